package capitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// batchBody is a valid request of n events shaped like capi-upload's:
// hashed em, ph, fn, ln, zp, country, a Purchase value and order id.
func batchBody(b testing.TB, n int, at time.Time) []byte {
	b.Helper()
	events := make([]any, n)
	for i := range events {
		events[i] = map[string]any{
			"event_name":    "Purchase",
			"event_time":    at.Unix(),
			"action_source": "physical_store",
			"event_id":      fmt.Sprintf("receipt-%07d", i),
			"user_data": map[string]any{
				"em": []string{hashA}, "ph": []string{hashB}, "fn": hashA, "ln": hashB,
				"zp": hashA, "country": hashB, "external_id": []string{hashA},
			},
			"custom_data": map[string]any{"value": 42.5, "currency": "USD", "order_id": fmt.Sprintf("receipt-%07d", i), "num_items": 3},
		}
	}
	return jsonBody(b, DefaultToken, events...)
}

// BenchmarkPost1000 posts 1,000-event bodies over loopback HTTP, one at a
// time: the double's cost per request as the upload benchmark sees it.
func BenchmarkPost1000(b *testing.B) {
	s := NewServer(WithoutEventKeys())
	defer s.Close()
	body := batchBody(b, MaxEvents, time.Now())
	client := s.Client()
	url := s.URL + path
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkPost1000Parallel is BenchmarkPost1000 from GOMAXPROCS clients,
// with event keys recorded as in the tests.
func BenchmarkPost1000Parallel(b *testing.B) {
	s := NewServer()
	defer s.Close()
	body := batchBody(b, MaxEvents, time.Now())
	client := s.Client()
	url := s.URL + path
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkHandle1000 is the handler alone (decode and validate), without
// the network.
func BenchmarkHandle1000(b *testing.B) {
	s := NewServer(WithoutEventKeys())
	defer s.Close()
	body := batchBody(b, MaxEvents, time.Now())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.handle(w, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
