//! Accounts. So far: the validated values an account is made of, shared by browser and
//! server so both run the same checks (the Accounts issue builds registration, sessions
//! and the rest on these).

pub mod fields;
