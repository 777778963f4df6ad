"""The voice encoder: who is speaking, as a 256-number unit vector per 1.6 s of speech.

The weights are Resemblyzer's GE2E speaker encoder (Apache-2.0), shipped in the `resemblyzer`
package and read with torch's safe loader (`weights_only=True`: tensors only, never arbitrary
objects). The network (a 3-layer LSTM over 40 mel bands, a linear layer, ReLU, L2 norm) and its
features are written here after resemblyzer 0.1.4, so the package's own code, which needs
librosa and a SciPy API since removed, is never imported.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from webinar_rag.core import ModelNotFound
from webinar_rag.models.runtime import configure_torch

SAMPLING_RATE = 16_000
HOP = 160  # 10 ms between mel frames
N_FFT = 400  # 25 ms windows
N_MELS = 40
WINDOW_FRAMES = 160  # 1.6 s: what the encoder was trained on
TARGET_DBFS = -30.0  # the loudness it was trained at (quieter audio is raised to it)


def voice_weights_path() -> Path:
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(
            "The voice encoder's weights are not installed: `pip install --no-deps "
            "resemblyzer==0.1.4` (scripts/setup.sh test does)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


class VoiceEncoder:
    """Mel frames in, speaker embeddings out (`embed_windows`)."""

    def __init__(self, weights: Path, threads: int = 1) -> None:
        configure_torch(threads)
        import torch
        from torch import nn

        try:
            checkpoint = torch.load(weights, map_location="cpu", weights_only=True)
            state = checkpoint["model_state"]
        except (OSError, RuntimeError, KeyError, TypeError) as exc:
            raise ModelNotFound(f"Could not read the voice encoder at {weights} ({exc}).") from exc
        self._torch = torch
        self.lstm = nn.LSTM(N_MELS, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, 256)
        self.lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
        self.linear.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
        self.lstm.eval()
        self.linear.eval()

    def embed_windows(self, windows: np.ndarray, batch: int = 64) -> np.ndarray:
        """(n, 160, 40) mel windows -> (n, 256) unit vectors."""
        torch = self._torch
        out = [np.zeros((0, 256), dtype=np.float32)]
        with torch.inference_mode():
            for i in range(0, len(windows), batch):
                _, (hidden, _) = self.lstm(torch.from_numpy(windows[i : i + batch]))
                raw = torch.relu(self.linear(hidden[-1]))
                vectors = raw / torch.clamp(torch.norm(raw, dim=1, keepdim=True), min=1e-8)
                out.append(vectors.numpy().astype(np.float32))
        return np.concatenate(out)


@lru_cache(maxsize=1)
def load_voice_encoder(threads: int = 1) -> VoiceEncoder:
    """The voice encoder, once per process."""
    weights = voice_weights_path()
    if not weights.is_file():
        raise ModelNotFound(f"No voice encoder weights at {weights}: reinstall resemblyzer.")
    return VoiceEncoder(weights, threads)


def normalise_loudness(samples: np.ndarray, speech: np.ndarray | None = None) -> np.ndarray:
    """Raise quiet audio to the encoder's training loudness (never lower it); `speech`: a mask
    of the samples whose loudness counts."""
    part = samples if speech is None or not speech.any() else samples[speech]
    rms = float(np.sqrt(np.mean(np.square(part, dtype=np.float64)))) if part.size else 0.0
    if rms <= 0:
        return samples
    change = TARGET_DBFS - 20 * np.log10(rms)
    return samples if change <= 0 else (samples * 10 ** (change / 20)).astype(np.float32)


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) power mel spectrogram, one frame every 10 ms (librosa's `melspectrogram`
    with resemblyzer's parameters: centred, periodic Hann, Slaney mel filters)."""
    padded = np.pad(samples.astype(np.float32), N_FFT // 2, mode="reflect")
    n = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(n, N_FFT), strides=(padded.strides[0] * HOP, padded.strides[0])
    )
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power @ _mel_filters().T).astype(np.float32)


@lru_cache(maxsize=1)
def _mel_filters() -> np.ndarray:
    """Slaney-style mel filter bank (librosa.filters.mel, htk=False, norm='slaney')."""
    freqs = np.linspace(0, SAMPLING_RATE / 2, 1 + N_FFT // 2)
    edges = _mel_to_hz(np.linspace(0, _hz_to_mel(SAMPLING_RATE / 2), N_MELS + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, freqs)
    weights = np.zeros((N_MELS, len(freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / widths[i]
        upper = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2 : N_MELS + 2] - edges[:N_MELS]))[:, None]
    return weights


_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def _hz_to_mel(hz: Any) -> Any:
    hz = np.asanyarray(hz, dtype=np.float64)
    linear = hz / _F_SP
    log = _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP
    return np.where(hz >= _MIN_LOG_HZ, log, linear)


def _mel_to_hz(mel: Any) -> Any:
    mel = np.asanyarray(mel, dtype=np.float64)
    linear = _F_SP * mel
    log = _MIN_LOG_HZ * np.exp(_LOG_STEP * (mel - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log, linear)
