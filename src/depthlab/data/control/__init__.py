"""Control systems: plants simulated offline, their input / output records and the splits the
identification and control code read.

The records are :class:`Trajectories` (inputs ``u`` and outputs ``y`` of N trajectories sampled
every ``dt`` seconds); a plant's data for identification is a :class:`PlantData` with fixed
train / validation / test trajectories and the initialisation window a model may read from the
measured outputs before it must predict on its own.
"""

from depthlab.data.control.trajectories import PlantData, Trajectories

__all__ = ["PlantData", "Trajectories"]
