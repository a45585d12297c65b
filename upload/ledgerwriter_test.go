package upload

import (
	"capi-upload/capi"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// countingLedger records each MarkSent call's keys.
type countingLedger struct {
	capi.Ledger // nil: the writer only calls MarkSent
	mu          sync.Mutex
	commits     [][]string
	marked      chan struct{} // gets a token per commit
}

func (l *countingLedger) MarkSent(keys []string, _ time.Time) error {
	l.mu.Lock()
	l.commits = append(l.commits, slices.Clone(keys))
	l.mu.Unlock()
	l.marked <- struct{}{}
	return nil
}

func (l *countingLedger) sizes() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n []int
	for _, c := range l.commits {
		n = append(n, len(c))
	}
	return n
}

// TestLedgerWriterSpacesCommits: the first keys are committed at once;
// keys acknowledged within the gap wait for it, unless the queue fills
// up or the writer is closing, and nothing queued is ever lost.
func TestLedgerWriterSpacesCommits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		adds  []int // sizes of successive adds after the first commit
		max   int
		close bool
		want  []int // commit sizes, the first one's included
	}{
		{"within the gap, committed at close", []int{10, 10, 10}, 1000, true, []int{5, 30}},
		{"a full queue does not wait for the gap", []int{60, 50}, 100, false, []int{5, 110}},
		{"nothing more queued, nothing more committed", nil, 1000, true, []int{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			led := &countingLedger{marked: make(chan struct{}, 10)}
			// The gap never ends in this test.
			w := (&ledgerWriter{l: led, now: time.Now, fail: func(error) {}, gap: time.Hour, max: tt.max}).start()
			w.add(0, receiptRange(0, 5))
			<-led.marked
			from := 5
			for i, n := range tt.adds {
				w.add(i+1, receiptRange(from, n))
				from += n
				if from-5 >= tt.max || i == len(tt.adds)-1 && !tt.close {
					continue
				}
				// Within the gap and below max: no commit may start. A
				// writer that committed at once would within milliseconds.
				select {
				case <-led.marked:
					t.Fatalf("committed after add %d, within the gap", i+1)
				case <-time.After(20 * time.Millisecond):
				}
			}
			if tt.close {
				done := make(chan error)
				go func() { done <- w.close() }()
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("close waited for the gap")
				}
			} else {
				select {
				case <-led.marked:
				case <-time.After(10 * time.Second):
					t.Fatal("a full queue waited for the gap")
				}
				if err := w.close(); err != nil {
					t.Fatal(err)
				}
			}
			got := led.sizes()
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("commits of %v keys, want %v", got, tt.want)
			}
			seen := map[string]bool{}
			for _, c := range led.commits {
				for _, k := range c {
					seen[k] = true
				}
			}
			if len(seen) != from {
				t.Errorf("%d distinct keys committed, want %d", len(seen), from)
			}
		})
	}
}

// arrayLedger records where each commit's keys live.
type arrayLedger struct {
	capi.Ledger // nil: the writer only calls MarkSent
	arrays      []*string
	marked      chan struct{}
}

func (l *arrayLedger) MarkSent(keys []string, _ time.Time) error {
	l.arrays = append(l.arrays, unsafe.SliceData(keys))
	l.marked <- struct{}{}
	return nil
}

// TestLedgerWriterReusesKeys: after the first two commits, keys are queued
// in the slices of earlier commits, not in new ones.
func TestLedgerWriterReusesKeys(t *testing.T) {
	t.Parallel()
	led := &arrayLedger{marked: make(chan struct{}, 1)}
	w := (&ledgerWriter{l: led, now: time.Now, fail: func(error) {}, gap: 0, max: 1000}).start()
	for i := range 6 {
		w.add(i, receiptRange(100*i, 100))
		<-led.marked
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	for i, a := range led.arrays[2:] {
		if a != led.arrays[0] && a != led.arrays[1] {
			t.Errorf("commit %d queued its keys in a new slice", i+3)
		}
	}
}

// TestLedgerWriterRequestOrder: keys acknowledged out of request order
// are committed in request order, each request's keys as given, so that
// the receipts of a sorted export reach the ledger as one ascending run.
func TestLedgerWriterRequestOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		seqs []int // request sequence numbers, in the order acknowledged
	}{
		{"in order", []int{1, 2, 3, 4}},
		{"out of order", []int{2, 4, 1, 3}},
		{"reversed", []int{4, 3, 2, 1}},
		{"a split batch's parts after later batches", []int{1, 3, 5, 2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			led := &countingLedger{marked: make(chan struct{}, 10)}
			w := (&ledgerWriter{l: led, now: time.Now, fail: func(error) {}, gap: time.Hour, max: 1 << 20}).start()
			// The writer commits the first add at once; the rest wait for
			// close, in one commit.
			w.add(0, receiptRange(0, 1))
			<-led.marked
			for _, seq := range tt.seqs {
				w.add(seq, receiptRange(10*seq, 10))
			}
			if err := w.close(); err != nil {
				t.Fatal(err)
			}
			if len(led.commits) != 2 {
				t.Fatalf("%d commits, want 2", len(led.commits))
			}
			got := led.commits[1]
			want := slices.Sorted(slices.Values(got))
			if !slices.Equal(got, want) {
				t.Errorf("committed out of request order:\n got %q\nwant %q", got, want)
			}
			if len(got) != 10*len(tt.seqs) {
				t.Errorf("%d keys committed, want %d", len(got), 10*len(tt.seqs))
			}
		})
	}
}

// receiptRange returns the ledger keys of the n receipt numbers from
// from on, in order.
func receiptRange(from, n int) []string {
	k := make([]string, n)
	for i := range k {
		k[i] = fmt.Sprintf("px\x00Purchase\x00R%08d", from+i)
	}
	return k
}
