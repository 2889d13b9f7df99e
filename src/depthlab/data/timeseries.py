"""Time series, ``(T, F)`` float32 with the series to forecast as targets: statsmodels' sunspots."""

from __future__ import annotations

import numpy as np

from depthlab.data.dataset import Dataset, DatasetInfo
from depthlab.data.download import Fetcher


def load_sunspots(fetcher: Fetcher) -> Dataset:
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data  # YEAR, SUNACTIVITY
    values = frame["SUNACTIVITY"].to_numpy(dtype=np.float64)
    return Dataset(
        name="sunspots",
        modality="timeseries",
        task="forecasting",
        inputs=values.astype(np.float32)[:, None],  # (T, 1)
        targets=values,
        feature_names=("SUNACTIVITY",),
        time_index=frame["YEAR"].to_numpy(dtype=np.int64),
        info=DatasetInfo(
            "Yearly mean sunspot numbers, 1700-2008 (309 years)",
            "statsmodels.datasets.sunspots (SIDC, Royal Observatory of Belgium)",
            "public domain",
            "SIDC-team, World Data Center for the Sunspot Index, Royal Observatory of Belgium",
        ),
    )
