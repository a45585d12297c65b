package pipeline

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// memoryAllowance is how far above the live heap a run lets the Go
// runtime's memory grow before the garbage collector must run: the soft
// limit of runtime/debug.SetMemoryLimit that a run keeps at the live heap
// (as the last collection found it) plus this allowance. The live heap of
// a run is mostly pointer-free tables (the ledger's keys, the run's
// duplicate-id set), cheap to mark, so collecting more often costs little;
// without the limit the heap grows to three times the live heap
// (SetGCPercent(200) in main.go) between collections. README "Memory".
const memoryAllowance = 16 << 20

// memoryTick is how often the limit follows the live heap.
const memoryTick = 50 * time.Millisecond

var memLimit struct {
	mu   sync.Mutex
	runs int           // runs in progress
	prev int64         // the limit before the first of them
	stop chan struct{} // stops the goroutine that follows the live heap
}

// limitMemory keeps the soft memory limit at the live heap plus
// memoryAllowance while the run lasts, unless GOMEMLIMIT is set, and
// returns the function that ends it. The limit follows the live heap up
// and down, so that a big ledger or a big file's duplicate-id set never
// leaves the collector running without end. Runs at the same time (a
// server's, a package's tests) share one limit; the last to end restores
// the limit there was before.
func limitMemory() (release func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	memLimit.mu.Lock()
	defer memLimit.mu.Unlock()
	memLimit.runs++
	if memLimit.runs == 1 {
		memLimit.prev = debug.SetMemoryLimit(-1)
		stop := make(chan struct{})
		memLimit.stop = stop
		follow() // before the first tick
		go func() {
			t := time.NewTicker(memoryTick)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					follow()
				}
			}
		}()
	}
	return func() {
		memLimit.mu.Lock()
		defer memLimit.mu.Unlock()
		if memLimit.runs--; memLimit.runs == 0 {
			close(memLimit.stop)
			debug.SetMemoryLimit(memLimit.prev)
		}
	}
}

// follow sets the limit from the live heap the last collection found.
func follow() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := s[0].Value.Uint64()
	if live > math.MaxInt64-memoryAllowance {
		return
	}
	debug.SetMemoryLimit(int64(live) + memoryAllowance)
}
