"""Control systems: plants simulated offline, their input / output records and the splits the
identification and control code read.

The records are :class:`Trajectories` (inputs ``u`` and outputs ``y`` of N trajectories sampled
every ``dt`` seconds); a plant's data for identification is a :class:`PlantData` with fixed
train / validation / test trajectories and the initialisation window a model may read from the
measured outputs before it must predict on its own.

:func:`plant_data` makes (and caches) a plant's seeded splits; :func:`simulate` drives the true
plant open-loop; :func:`list_plants` / :func:`get_plant` read the registry of plants;
:func:`benchmark_data` reads the real nonlinearbenchmark.org files from a folder of the user's.
"""

from depthlab.data.control.dynamics import Policy
from depthlab.data.control.excitation import EXCITATIONS
from depthlab.data.control.generate import plant_data, simulate
from depthlab.data.control.nlb import benchmark_data
from depthlab.data.control.plants import PlantSpec, get_plant, is_plant, list_plants
from depthlab.data.control.trajectories import PlantData, Trajectories

__all__ = [
    "EXCITATIONS",
    "PlantData",
    "PlantSpec",
    "Policy",
    "Trajectories",
    "benchmark_data",
    "get_plant",
    "is_plant",
    "list_plants",
    "plant_data",
    "simulate",
]
