"""Controllers for gymnasium's classic control: experts, learned policies, learned dynamics + MPC.

- :mod:`~depthlab.models.control.envs`: the environments supported and their action spaces;
- :mod:`~depthlab.models.control.experts`: LQR (python-control) and energy shaping;
- :mod:`~depthlab.models.control.policies`: linear / shallow / deep MLP policies by string id;
- :mod:`~depthlab.models.control.dynamics` and :mod:`~depthlab.models.control.mpc`: a learned
  model of the pendulum and model-predictive control by the cross-entropy method.
"""
