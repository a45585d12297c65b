package ledger_test

import (
	"path/filepath"
	"testing"
	"time"

	"capi-upload/ledger"
	"capi-upload/ledger/ledgertest"
)

// BenchmarkNightly is issue 19's nightly case: a ledger of 3M keys over 8
// days, opened, asked about 100,000 new keys in batches of 1,000, which
// are then recorded in commits of 10,000, and closed.
func BenchmarkNightly(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.state")
	now := time.Now()
	l, err := ledger.Open(path, false, func() time.Time { return now })
	if err != nil {
		b.Fatal(err)
	}
	for day := range 8 {
		keys := ledgertest.Keys(string(rune('a'+day)), 375_000)
		if err := l.MarkSent(keys, now.Add(-time.Duration(day)*24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	l.Close()
	fresh := ledgertest.Keys("new", 100_000)
	seen := make([]bool, 1000)
	for b.Loop() {
		l, err := ledger.Open(path, false, func() time.Time { return now })
		if err != nil {
			b.Fatal(err)
		}
		for at := 0; at < len(fresh); at += 1000 {
			if err := l.SeenAll(fresh[at:at+1000], seen); err != nil {
				b.Fatal(err)
			}
		}
		for at := 0; at < len(fresh); at += 10_000 {
			if err := l.MarkSent(fresh[at:at+10_000], now); err != nil {
				b.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
