"""What a network and its training run take in memory, estimated from the layer list's shape walk before
anything is built; nets.memory.check_memory holds these figures against the server's budget."""
from nets import limits, own
from nets.builder.shapes import numel
from nets.builder.spec import check_spec, tutorial_spec
from nets.train.device import EVAL_BATCH, KEPT_FREE_BYTES, SLICE

FLOAT_BYTES = 4
# A training run holds per weight its value, its gradient and up to two optimizer slots (Adam's moments), the
# snapshots it keeps, and at each epoch's end the new one before the oldest is dropped (the run's peak for a
# big network: benchmarks/memory_estimates.py measured 2.9 GB for 400 MB of weights, 7 copies).
TRAINING_COPIES = 4 + 1
# A training step keeps each activation of the batch for the backward pass, its gradient and a temporary.
ACTIVATION_COPIES = 3


def network_size(arch) -> tuple[int, int, int, bool]:
    """(weights, activation values per image, the largest two consecutive activations per image, whether it
    has BatchNorm) of a layer list (None: the tutorial's, or the learner's --model), from its shape walk."""
    if arch is None and own.OWN is not None:   # measured on the meta device when it was loaded
        s = own.OWN.size
        return s.params, s.activations, s.largest_pair, s.batch_norm
    result = check_spec(arch if arch is not None else tutorial_spec())
    outputs = [numel(c.out_shape) for c in result.layers if c.out_shape]
    pairs = [a + b for a, b in zip([3 * 32 * 32, *outputs], outputs)]   # a layer's input and output
    return (result.params, sum(outputs), max(pairs, default=0),
            any(c.type.startswith("BatchNorm") for c in result.layers))


def network_bytes(arch) -> int:
    """The bytes a built network's float32 weights take."""
    return network_size(arch)[0] * FLOAT_BYTES


def snapshots_that_fit(snapshot_bytes: int, most: int) -> int:
    """Weight snapshots one visitor may keep: as many as MAX_VISITOR_BYTES holds, at most `most`, at least the
    first and the newest."""
    return max(2, min(most, limits.MAX_VISITOR_BYTES // max(snapshot_bytes, 1)))


def training_bytes(arch, batch_size: int, most_snapshots: int) -> int:
    """What a training run holds at once: its weights with their gradients, optimizer slots and snapshots,
    the activations of a step or a test pass (whichever is larger), and the freed buffers glibc keeps for the
    next step (KEPT_FREE_BYTES: the tutorial's CNN, a few MB of weights and activations, took 290-350 MB
    above the start)."""
    params, activations, largest_pair, batch_norm = network_size(arch)
    snapshots = snapshots_that_fit(params * FLOAT_BYTES, most_snapshots)
    # A CPU step holds the activations of one slice at a time (nets.train.steps.sliced_step), unless
    # BatchNorm needs the whole batch's statistics; a GPU's are not the server's memory. A test pass holds a
    # layer's input and output for EVAL_BATCH images, more than a slice for a wide first layer.
    held = batch_size if batch_norm else min(batch_size, SLICE)
    values = max(activations * held * ACTIVATION_COPIES, largest_pair * EVAL_BATCH)
    return KEPT_FREE_BYTES + FLOAT_BYTES * (params * (TRAINING_COPIES + snapshots) + values)
