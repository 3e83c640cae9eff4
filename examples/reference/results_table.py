"""The README's results table from two JSON-lines files of benchmark runs.

    /usr/bin/python3 examples/reference/results_table.py --pml pml.jsonl --dml4j dml4j.jsonl

Each file holds one line per run (DML4J's `examples/run Benchmark --out`, or
`examples/reference/pml_protocol.py --out`). Accuracy columns are medians over the seeds both
libraries ran; speed and memory are the medians of the runs of those seeds (compare them only when
the runs alternated on one machine). A row is flagged LOW when DML4J's median Precision@1 or
MAP@R is more than 0.01 below pytorch-metric-learning's.
"""
import argparse, collections, json, statistics

ROWS = [(s, l) for s in ("standard", "zeroshot") for l in ("triplet", "contrastive", "multisim", "arcface", "center")]
ACCURACY = ("precision_at_1", "r_precision", "mean_average_precision_at_r", "NMI")


def load(path):
    runs = collections.defaultdict(dict)
    for line in open(path):
        run = json.loads(line)
        if isinstance(run.get("seed"), int):  # skip the summary line of a --seeds run
            runs[(run["split"], run["loss"])][run["seed"]] = run
    return runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pml", required=True)
    ap.add_argument("--dml4j", required=True)
    args = ap.parse_args()
    pml, dml = load(args.pml), load(args.dml4j)
    print("| split | loss | library | seeds | Precision@1 | R-Precision | MAP@R | NMI | train img/s | embed img/s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    flags = []
    for row in ROWS:
        seeds = sorted(set(pml.get(row, {})) & set(dml.get(row, {})))
        if not seeds:
            continue
        medians = {}
        for name, runs in (("pytorch-metric-learning", pml[row]), ("**DML4J**", dml[row])):
            m = {k: statistics.median(runs[s][k] for s in seeds)
                 for k in ACCURACY + ("train_img_per_s", "eval_img_per_s", "peak_rss_mb")}
            medians[name] = m
            print("| %s | %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %.0f | %.0f | %.0f |" % (
                row[0], row[1], name, ",".join(map(str, seeds)), m["precision_at_1"], m["r_precision"],
                m["mean_average_precision_at_r"], m["NMI"], m["train_img_per_s"], m["eval_img_per_s"], m["peak_rss_mb"]))
        p, d = medians["pytorch-metric-learning"], medians["**DML4J**"]
        for k in ("precision_at_1", "mean_average_precision_at_r"):
            if d[k] < p[k] - 0.01:
                flags.append("LOW %s %s %s: %.4f against %.4f" % (row[0], row[1], k, d[k], p[k]))
    print()
    print("\n".join(flags) if flags else "Every row: DML4J's medians of Precision@1 and MAP@R are at least pytorch-metric-learning's minus 0.01.")


if __name__ == "__main__":
    main()
