package report

import (
	"io"
	"testing"
	"time"

	"capi-upload/capi"
)

func BenchmarkRejectWriter(b *testing.B) {
	w, err := NewRejectWriter(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	rj := Reject{File: "pos.csv", Row: 12345, EventID: "R-12345", Reason: capi.ReasonNoUserData, Field: "user_data", Detail: "no valid customer key"}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(rj); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRecorderEvent is the per-event cost of RowRead, Built and a
// sent Outcome: what the recorder adds to every good row.
func BenchmarkRecorderEvent(b *testing.B) {
	r, err := Create(b.TempDir(), Options{Command: "validate", Now: func() time.Time { return clock }})
	if err != nil {
		b.Fatal(err)
	}
	e := ev("pos.csv", 2, "Purchase", 2*time.Hour, capi.UserData{capi.KeyEm: {hashEmail}, capi.KeyPh: {hashPhone}, capi.KeyFn: {hashName}, capi.KeyLn: {hashName}, capi.KeyZp: {hashName}})
	e.Invalid = []capi.InvalidKey{{Key: "db", Reason: "bad_year"}}
	b.ReportAllocs()
	for b.Loop() {
		r.RowRead("pos.csv")
		r.Built(e)
		if err := r.Outcome(capi.Outcome{Event: e, Status: capi.StatusSent}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := r.Close(); err != nil {
		b.Fatal(err)
	}
}
