"""The depth study on control: identify a plant with linear models, shallow and deep networks
over seeds and amounts of data, control it with policies cloned from an expert (where the plant
has one), check the claims and recommend. One phase per module: :mod:`.plan`, :mod:`.jobs`,
:mod:`.run`, :mod:`.analysis`, :mod:`.claims`, :mod:`.recommendation`, :mod:`.text`.

Example:
    >>> from depthlab.studies.control import make_plan, run_control_study  # doctest: +SKIP
    >>> plan = make_plan("pendulum", quick=True)  # doctest: +SKIP
    >>> run_control_study(plan, Path("studies/pendulum"))  # doctest: +SKIP
"""

from depthlab.studies.control.plan import ControlPlan, Imitation, Training, make_plan
from depthlab.studies.control.run import (
    ControlStudyResult,
    is_control_folder,
    run_control_study,
    summarise_folder,
)
from depthlab.studies.control.text import print_control_summary

__all__ = [
    "ControlPlan",
    "ControlStudyResult",
    "Imitation",
    "Training",
    "is_control_folder",
    "make_plan",
    "print_control_summary",
    "run_control_study",
    "summarise_folder",
]
