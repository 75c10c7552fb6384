#!/usr/bin/env bash
# The GPU figures and checks of issues 4 and 13, in one call on a GPU machine (the device tool):
#   bash benchmarks/gpu_check.sh ARCHIVE
# Needs torch, torchvision, safetensors, tqdm and pytest there; with gradio too, the GPU lesson runs through the
# app's /lesson_run (else through the same runner in plain Python).
set -uo pipefail
export LAYERLAB_TEST_DATA=${1:?archive} LAYERLAB_CACHE=${LAYERLAB_CACHE:-/tmp/layerlab-cache} PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$PY -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'cuda', torch.cuda.is_available())"
$PY -m pytest -q -p no:cacheprovider tests/test_train_devices.py tests/test_models.py 2>&1 | tail -4
$PY benchmarks/train_throughput.py --device cuda --skip-ui --steps 300
$PY benchmarks/time_to_accuracy.py --device cuda --skip-baseline
# Issue 13: the CLI under torchrun with NCCL, 1 process, then one per GPU where there are several
GPUS=$(nvidia-smi -L | wc -l)
for N in 1 $([ "$GPUS" -gt 1 ] && echo "$GPUS"); do
  $PY -m torch.distributed.run --standalone --nproc_per_node=$N -m nets.train --data "$LAYERLAB_TEST_DATA" \
    --device cuda --epochs 1 --train-images 10000 --test-images 1000 --batch-size $((128 * N)) \
    --out /tmp/layerlab-ddp-$N.safetensors 2>&1 | tr "\r" "\n" | grep -v "step/s" | tail -4
done
$PY benchmarks/ddp_throughput.py --device cuda --steps 300
# Issue 23: the GPU lesson after the page has called torch.cuda.is_available(); it must print "cuda"
$PY benchmarks/lesson_gpu.py "$LAYERLAB_TEST_DATA" 2>&1 | tail -8
