#!/bin/bash
# A sharded attr-eval run as a Slurm job array (docs/distributed.md).
#
#   sbatch examples/distributed/slurm-array.sh
#   # when all tasks are done:
#   attr-eval merge results/big-shard-* --out results --name big
#
# Each array task runs one shard: attr-eval reads SLURM_ARRAY_TASK_ID,
# SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT itself, K = ID - MIN, so
# --array=0-7 and --array=1-8 both give shards 0..7 of 8. Ids must be consecutive
# (no `1,5,9`, no `:step`); a throttle such as `%4` is fine.
#SBATCH --job-name=attr-eval
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=02:00:00
#SBATCH --output=attr-eval-%A_%a.log
set -euo pipefail

DATASET=${DATASET:-datasets/litbank-quotes}
MODEL=${MODEL:-rules}

attr-eval run --dataset "$DATASET" --model "$MODEL" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --out results --name "big-shard-${SLURM_ARRAY_TASK_ID}"

# To merge in Slurm too, submit a job that waits for the whole array:
#   sbatch --dependency=afterok:<array job id> --wrap \
#     'attr-eval merge results/big-shard-* --out results --name big'
