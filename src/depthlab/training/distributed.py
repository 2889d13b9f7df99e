"""One model on many processes: PyTorch DistributedDataParallel under ``torchrun``.

``depthlab train ... --distributed`` started by ``torchrun --nproc_per_node N`` joins the process
group torchrun describes in the environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR``...): gloo on CPU, NCCL on CUDA. Every rank loads and preprocesses the data the
same way (same seed, same split) and walks the same shuffled batches; each takes its share of
every batch (``batch[rank::world]``), so ``batch_size`` stays the global batch and a run on N
processes follows the single-process run closely. DDP averages the gradients; the training loss
is averaged across ranks; validation runs on every rank on identical weights, so early stopping
decides the same everywhere. Only rank 0 writes the run folder.

Example (two CPU processes on this machine)::

    torchrun --standalone --nproc_per_node 2 -m depthlab train --data mnist1d --model cnn \\
        --distributed --out runs/cnn-ddp
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from depthlab.errors import ConfigError

TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class Group:
    """This process's place in the process group."""

    rank: int
    world: int
    local_rank: int
    backend: str
    device: torch.device

    @property
    def main(self) -> bool:
        """Rank 0: the one process that writes files and shows progress."""
        return self.rank == 0

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's share of a batch of indices."""
        return batch[self.rank :: self.world]

    def mean(self, value: float) -> float:
        """The mean of *value* over all ranks (every rank gets the same answer)."""
        import torch.distributed as dist

        tensor = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return float(tensor.item()) / self.world

    def barrier(self) -> None:
        import torch.distributed as dist

        if self.device.type == "cuda":
            dist.barrier(device_ids=[self.local_rank])
        else:
            dist.barrier()


def current() -> Group | None:
    """The group this process has joined, or None when training alone."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return None
    backend = str(dist.get_backend())
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local_rank) if backend == "nccl" else torch.device("cpu")
    return Group(dist.get_rank(), dist.get_world_size(), local_rank, backend, device)


def start(device: str = "auto") -> Group:
    """Join the process group torchrun described (once; later calls return the same group).

    *device* ``auto`` takes NCCL on the local GPU when CUDA is available, else gloo on the CPU.
    """
    import torch.distributed as dist

    joined = current()
    if joined is not None:
        return joined
    missing = [name for name in TORCHRUN_VARIABLES if name not in os.environ]
    if missing:
        raise ConfigError(
            f"--distributed needs the process group torchrun sets up ({', '.join(missing)} not "
            "set); start it as: torchrun --standalone --nproc_per_node 2 -m depthlab train ... "
            "--distributed"
        )
    if not dist.is_available():
        raise ConfigError("this PyTorch build has no torch.distributed; --distributed is off")
    cuda = torch.cuda.is_available() and device in ("auto", "cuda")
    if device == "cuda" and not cuda:
        raise ConfigError("device 'cuda' is not available here; use --device auto or cpu")
    if device == "mps":
        raise ConfigError("--distributed runs on CUDA (NCCL) or the CPU (gloo), not on MPS")
    local_rank = int(os.environ["LOCAL_RANK"])
    if cuda:
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    group = current()
    assert group is not None
    return group


def stop() -> None:
    """Leave the process group (after the last collective call)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
