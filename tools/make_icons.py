#!/usr/bin/env python3
"""Draws Ripen's app icons (the apricot and its leaf) as PNGs, with no dependencies.

    python3 tools/make_icons.py   # writes public/icons/*.png

"any" icons have a transparent margin; the maskable one fills the square and keeps the
fruit inside the central 80% safe zone, as the web app manifest spec asks."""
import math, struct, zlib, pathlib

CREAM = (251, 248, 244)
APRICOT = (194, 65, 12)
LEAF = (47, 107, 79)

def inside(x, y, scale):
    """The colour at (x, y) in 0..1 coordinates, or None; `scale` shrinks the drawing."""
    cx, cy = 0.5, 0.5
    x = (x - cx) / scale + cx
    y = (y - cy) / scale + cy
    # leaf: an ellipse rotated by -35 degrees, up and right of the stem
    lx, ly = x - 0.62, y - 0.22
    a = math.radians(-35)
    rx, ry = lx * math.cos(a) - ly * math.sin(a), lx * math.sin(a) + ly * math.cos(a)
    if (rx / 0.14) ** 2 + (ry / 0.06) ** 2 <= 1:
        return LEAF
    # stem
    if abs(x - 0.5 - (0.30 - y) * 0.35) < 0.022 and 0.16 < y < 0.34:
        return LEAF
    # fruit: slightly wider than tall, with a dimple at the top
    fx, fy = (x - 0.5) / 0.34, (y - 0.6) / 0.31
    if fx * fx + fy * fy <= 1 and not ((x - 0.5) ** 2 + (y - 0.27) ** 2 < 0.006):
        return APRICOT
    return None

def draw(size, maskable):
    rows = []
    ss = 4
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc = [0, 0, 0, 0]
            for sj in range(ss):
                for si in range(ss):
                    x = (i + (si + 0.5) / ss) / size
                    y = (j + (sj + 0.5) / ss) / size
                    c = inside(x, y, 0.72 if maskable else 0.95)
                    if c is None and maskable:
                        c = CREAM
                    if c is not None:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            n = ss * ss
            alpha = acc[3] // n
            if alpha:
                k = acc[3] / 255
                row += bytes([int(acc[0] / k), int(acc[1] / k), int(acc[2] / k), alpha])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))

out = pathlib.Path(__file__).resolve().parent.parent / "public" / "icons"
out.mkdir(parents=True, exist_ok=True)
for name, size, maskable in [("icon-192.png", 192, False), ("icon-512.png", 512, False),
                             ("maskable-512.png", 512, True), ("apple-touch-icon.png", 180, True)]:
    (out / name).write_bytes(draw(size, maskable))
    print(name)
