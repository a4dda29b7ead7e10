#!/usr/bin/env python3
"""What apply's flush costs: N fsyncs (one per written file, as before #14) against one
syncfs(2) (Linux), on freshly written files of the size of a Python module, interleaved.

    python3 scripts/flush_bench.py [DIR] [--files N] [--size BYTES] [--runs R]

DIR (default: a temporary directory) must be on the file system to measure.
"""
import argparse, ctypes, os, shutil, statistics, tempfile, time


def write_files(d, n, size):
    os.makedirs(d)
    fds = []
    for i in range(n):
        fd = os.open(os.path.join(d, f"m{i}.py"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, os.urandom(size // 2).hex().encode())
        fds.append(fd)
    return fds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--files", type=int, default=760)
    ap.add_argument("--size", type=int, default=12000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    base = tempfile.mkdtemp(prefix="regraft-flush.", dir=args.dir)
    times = {"fsync each": [], "one syncfs": []}
    try:
        for r in range(args.runs):
            modes = list(times) if r % 2 == 0 else list(times)[::-1]
            for mode in modes:
                d = os.path.join(base, f"{r}-{mode[0]}")
                fds = write_files(d, args.files, args.size)
                t0 = time.perf_counter()
                if mode == "fsync each":
                    for fd in fds:
                        os.fsync(fd)
                elif libc.syncfs(fds[0]) != 0:
                    raise OSError(ctypes.get_errno(), "syncfs failed")
                times[mode].append(time.perf_counter() - t0)
                for fd in fds:
                    os.close(fd)
                shutil.rmtree(d)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{args.files} files of {args.size} bytes, {args.runs} runs each, interleaved:")
    for mode, v in times.items():
        print(f"  {mode:12} median {statistics.median(v) * 1000:8.1f} ms"
              f"  (min {min(v) * 1000:.1f}, max {max(v) * 1000:.1f})")


if __name__ == "__main__":
    main()
