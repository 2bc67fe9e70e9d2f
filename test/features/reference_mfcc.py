#!/usr/bin/env python3
"""Independent NumPy reference of the earshot front end (shared/features/README.md).

Written from the definition, not from the TypeScript: framing by stride tricks, np.fft.rfft,
a mel filterbank evaluated in Hz with np.log/np.exp, np.log of the floored energies and an
explicit orthonormal DCT-II matrix from np.cos. Used by test/features/reference.test.ts (parity)
and bench/features.ts (speed of a vectorized peer).

Usage: reference_mfcc.py --jobs JOBS.json [--repeat R]
JOBS.json is a list of {"config": FrontEndConfig, "input": SAMPLES.f64, "output": FEATURES.f64}
(one process for many cases: numpy's import dominates a single run). Input and output are raw
little-endian float64; prints one JSON line per job:
{"frames": T, "coeffs": C, "seconds": best seconds per run over R runs}.
"""

import argparse
import json
import time

import numpy as np


def mel_filterbank(sr, n_fft, n_mels, f_min, f_max):
    mel = lambda f: 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)
    hz = lambda m: 700.0 * np.expm1(np.asarray(m, dtype=np.float64) / 1127.0)
    edges = hz(np.linspace(mel(f_min), mel(f_max), n_mels + 2))
    edges[0], edges[-1] = f_min, f_max
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    lower = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1] - edges[:-2])[:, None]
    upper = (edges[2:, None] - freqs[None, :]) / (edges[2:] - edges[1:-1])[:, None]
    return np.maximum(0.0, np.minimum(lower, upper))


def features(x, cfg, fb, dct):
    w = int(round(cfg["windowMs"] * cfg["sampleRate"] / 1000))
    h = int(round(cfg["hopMs"] * cfg["sampleRate"] / 1000))
    if len(x) < w:
        return np.zeros((0, dct.shape[0] if dct is not None else cfg["nMels"]))
    t = 1 + (len(x) - w) // h
    frames = np.lib.stride_tricks.as_strided(x, shape=(t, w), strides=(h * x.strides[0], x.strides[0]))
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(w) / w)
    spec = np.fft.rfft(frames * window, n=cfg["fftSize"], axis=1)
    power = spec.real ** 2 + spec.imag ** 2
    logmel = np.log(np.maximum(power @ fb.T, cfg["logFloor"]))
    return logmel if dct is None else logmel @ dct.T


def dct_matrix(n_coeffs, n_mels):
    j = np.arange(n_coeffs)[:, None]
    m = np.arange(n_mels)[None, :]
    d = np.cos(np.pi * j * (2 * m + 1) / (2 * n_mels)) * np.sqrt(2.0 / n_mels)
    d[0, :] = np.sqrt(1.0 / n_mels)
    return d


def run_job(job, repeat):
    cfg = job["config"]
    x = np.fromfile(job["input"], dtype="<f8")
    best = float("inf")
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fb = mel_filterbank(cfg["sampleRate"], cfg["fftSize"], cfg["nMels"], cfg["fMin"], cfg["fMax"])
        dct = dct_matrix(cfg["nCoeffs"], cfg["nMels"]) if cfg["kind"] == "mfcc" else None
        y = features(x, cfg, fb, dct)
        best = min(best, time.perf_counter() - t0)
    np.ascontiguousarray(y, dtype="<f8").tofile(job["output"])
    print(json.dumps({"frames": int(y.shape[0]), "coeffs": int(y.shape[1]), "seconds": best}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    with open(a.jobs) as f:
        for job in json.load(f):
            run_job(job, a.repeat)


if __name__ == "__main__":
    main()
