"""Prediction with a LightGBM text model through LightGBM's C library, without its Python package.

``import lightgbm`` pulls in scipy, narwhals and, when installed, scikit-learn: over a second of start-up
for a command that summarizes in milliseconds. tomtat only needs prediction from a model file it ships,
so it calls the four C functions involved directly (``ctypes``), loading the shared library that the
``lightgbm`` wheel installs. Training still uses the Python package (``tomtat.train``).
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

_FLOAT64 = 1  # C_API_DTYPE_FLOAT64
_PREDICT_NORMAL = 0  # C_API_PREDICT_NORMAL: transformed output (e.g. sigmoid for cross-entropy)
_LIBRARY_NAMES = {"win32": "lib_lightgbm.dll", "darwin": "lib_lightgbm.dylib"}


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    """LightGBM's shared library, found next to the package without importing the package."""
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("lightgbm is not installed")
    name = _LIBRARY_NAMES.get(sys.platform, "lib_lightgbm.so")
    for folder in spec.submodule_search_locations:
        for candidate in (Path(folder) / "lib" / name, Path(folder) / name, Path(folder) / "bin" / name):
            if candidate.is_file():
                library = ctypes.cdll.LoadLibrary(str(candidate))
                library.LGBM_GetLastError.restype = ctypes.c_char_p
                return library
    raise ImportError(f"lightgbm is installed but its {name} was not found")


def _check(status: int) -> None:
    if status != 0:
        raise ValueError(_library().LGBM_GetLastError().decode("utf-8", "replace"))


class Booster:
    """A loaded model: ``Booster(model_text).predict(rows)`` equals ``lightgbm.Booster.predict``."""

    def __init__(self, model_text: str) -> None:
        library = _library()
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int()
        _check(
            library.LGBM_BoosterLoadModelFromString(
                ctypes.c_char_p(model_text.encode("utf-8")),
                ctypes.byref(iterations),
                ctypes.byref(self._handle),
            )
        )
        self.feature_names = _feature_names(model_text)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        data = np.ascontiguousarray(rows, dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != len(self.feature_names):
            raise ValueError(f"expected rows of {len(self.feature_names)} features, got shape {data.shape}")
        result = np.empty(len(data), dtype=np.float64)
        if not len(data):
            return result
        written = ctypes.c_int64()
        _check(
            _library().LGBM_BoosterPredictForMat(
                self._handle,
                data.ctypes.data_as(ctypes.c_void_p),
                ctypes.c_int(_FLOAT64),
                ctypes.c_int32(data.shape[0]),
                ctypes.c_int32(data.shape[1]),
                ctypes.c_int(1),  # row-major
                ctypes.c_int(_PREDICT_NORMAL),
                ctypes.c_int(0),  # start iteration
                ctypes.c_int(-1),  # all iterations
                ctypes.c_char_p(b"num_threads=1"),
                ctypes.byref(written),
                result.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
            )
        )
        return result

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle:
            _library().LGBM_BoosterFree(handle)


def _feature_names(model_text: str) -> tuple[str, ...]:
    for line in model_text.splitlines():
        if line.startswith("feature_names="):
            return tuple(line.removeprefix("feature_names=").split())
        if line.startswith("Tree="):
            break
    raise ValueError("not a LightGBM text model (no feature_names line)")
