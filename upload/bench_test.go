package upload

import (
	"bytes"
	"capi-upload/capi"
	"capi-upload/ledger"
	"capi-upload/ledger/ledgertest"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// fastEdge answers every request at once with the count of events in it,
// so that the benchmark measures the client side.
func fastEdge(b *testing.B, latency time.Duration) (*httptest.Server, *atomic.Int64) {
	b.Helper()
	var events atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := bytes.Count(body, []byte(`"event_name"`))
		events.Add(int64(n))
		if latency > 0 {
			time.Sleep(latency)
		}
		fmt.Fprintf(w, `{"events_received":%d,"fbtrace_id":"B"}`, n)
	}))
	b.Cleanup(srv.Close)
	return srv, &events
}

func benchClient(b *testing.B, url string) *Client {
	c, err := NewClient(ClientOptions{BaseURL: url, Token: testToken, PixelID: testPixel})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkRun pushes 100,000 events through Run to a local edge that
// answers at once.
func BenchmarkRun(b *testing.B) {
	const n = 100_000
	srv, got := fastEdge(b, 0)
	c := benchClient(b, srv.URL)
	evs := makeEvents(n)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		opt := Options{PixelID: testPixel, Now: func() time.Time { return testNow }}
		if err := Run(b.Context(), c, ledgertest.NewMem(), feed(b.Context(), evs), opt); err != nil {
			b.Fatal(err)
		}
	}
	if got.Load() != int64(n*b.N) {
		b.Fatalf("edge got %d events, want %d", got.Load(), n*b.N)
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkRunLatency measures how well Run keeps Concurrency requests in
// flight when each takes 600 ms: efficiency = ideal / actual, where ideal
// = ceil(N/1000) × 0.6 s / 8.
func BenchmarkRunLatency(b *testing.B) {
	const (
		n       = 40_000
		conc    = 8
		latency = 600 * time.Millisecond
	)
	srv, _ := fastEdge(b, latency)
	c := benchClient(b, srv.URL)
	evs := makeEvents(n)
	ideal := time.Duration(math.Ceil(n/1000.0)) * latency / conc
	var worst float64 = 1
	for b.Loop() {
		start := time.Now()
		opt := Options{PixelID: testPixel, Concurrency: conc, Now: func() time.Time { return testNow }}
		if err := Run(b.Context(), c, ledgertest.NewMem(), feed(b.Context(), evs), opt); err != nil {
			b.Fatal(err)
		}
		worst = min(worst, ideal.Seconds()/time.Since(start).Seconds())
	}
	b.ReportMetric(worst, "efficiency")
}

// BenchmarkRunBoltLedger is BenchmarkRun with the ledger on disk: one
// SeenAll per batch and one MarkSent transaction per request.
func BenchmarkRunBoltLedger(b *testing.B) {
	const n = 100_000
	srv, _ := fastEdge(b, 0)
	c := benchClient(b, srv.URL)
	evs := makeEvents(n)
	b.ReportAllocs()
	var elapsed time.Duration
	for b.Loop() {
		led, err := ledger.Open(filepath.Join(b.TempDir(), "state"), false, time.Now)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		opt := Options{PixelID: testPixel, Now: func() time.Time { return testNow }}
		if err := Run(b.Context(), c, led, feed(b.Context(), evs), opt); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		led.Close()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkLedgerSeenAll looks up 1,000 keys (one batch) in one read
// transaction, the way Run and validate ask; compare ns/op / 1000 with
// BenchmarkLedgerSeen.
func BenchmarkLedgerSeenAll(b *testing.B) {
	led, err := ledger.Open(filepath.Join(b.TempDir(), "state"), false, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer led.Close()
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s\x00Purchase\x00e%07d", testPixel, i)
	}
	if err := led.MarkSent(keys[:len(keys)/2], time.Now()); err != nil {
		b.Fatal(err)
	}
	seen := make([]bool, capi.MaxBatchSize)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		at := i % (len(keys) / capi.MaxBatchSize) * capi.MaxBatchSize
		if err := led.SeenAll(keys[at:at+capi.MaxBatchSize], seen); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*capi.MaxBatchSize), "ns/key")
}
