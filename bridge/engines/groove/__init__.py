"""The groove family: a WaveNet that plays a quantised clip with feel (timing offsets, velocities)."""
