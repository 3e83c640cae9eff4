#!/usr/bin/python3
"""Times FAISS IndexFlatL2 on the task of `examples/run IndexBenchmark --all-vs-all`: an exact
all-against-all top-k (each vector also finds itself) of n random unit vectors (normalized
Gaussian, as IndexBenchmark's `--data random`), Euclidean, on a set number of OpenMP threads.
Prints `all_vs_all_s` (adding to the index plus the search), as IndexBenchmark does.

    /usr/bin/python3 examples/reference/faiss_all_vs_all.py --n 100000 --dim 64 --k 101 --threads 2
"""
import argparse
import time

import faiss
import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--k", type=int, default=101)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)
    x = np.random.default_rng(args.seed).standard_normal((args.n, args.dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    print(f"FAISS {faiss.__version__} IndexFlatL2: all-against-all exact top-{args.k} of {args.n:,} x {args.dim}"
          f" random vectors, {faiss.omp_get_max_threads()} threads")
    start = time.perf_counter()
    index = faiss.IndexFlatL2(args.dim)
    index.add(x)
    _, ids = index.search(x, args.k)
    seconds = time.perf_counter() - start
    self_first = int((ids[:, 0] == np.arange(args.n)).sum())
    print(f"all_vs_all_s {seconds:.2f}")
    print(f"queries whose nearest neighbour is themselves: {self_first:,} of {args.n:,}")


if __name__ == "__main__":
    main()
