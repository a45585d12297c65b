package pipeline

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// TestLimitMemory: while runs last the soft memory limit is the live heap
// plus memoryAllowance; runs at the same time share it, and the last to
// end restores the limit there was before. Not parallel: the limit is the
// process's.
func TestLimitMemory(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: runs leave the limit alone")
	}
	before := debug.SetMemoryLimit(-1)
	release := limitMemory()
	during := debug.SetMemoryLimit(-1)
	if during == math.MaxInt64 || during < memoryAllowance || during == before {
		t.Errorf("limit during a run = %d; want the live heap plus %d", during, memoryAllowance)
	}
	release2 := limitMemory()
	release()
	if got := debug.SetMemoryLimit(-1); got == before {
		t.Errorf("the first run to end restored the limit while another still runs")
	}
	release2()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after the runs = %d; want %d as before", got, before)
	}
}
