package mapping

import "testing"

var benchSink string

func benchNorm(b *testing.B, f func() (string, error)) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := f()
		if err != nil {
			b.Fatal(err)
		}
		benchSink = s
	}
}

func BenchmarkNormalizeEmail(b *testing.B) {
	benchNorm(b, func() (string, error) { return NormalizeEmail(" John_Smith@Gmail.com ") })
}

func BenchmarkNormalizePhone(b *testing.B) {
	b.Run("us-fast", func(b *testing.B) {
		benchNorm(b, func() (string, error) { return NormalizePhone("(650) 555-1212", "US") })
	})
	b.Run("us-library", func(b *testing.B) {
		benchNorm(b, func() (string, error) { return phoneSlow("(650) 555-1212", "US") })
	})
	// Non-North-American numbers go through the library; "-readback"
	// is the former path that always parsed the result a second time.
	for _, c := range []struct{ name, in, region string }{
		{"gb", "020 7946 0958", "GB"},
		{"de", "030 1234567", "DE"},
		{"in", "+91 98765 43210", "US"},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchNorm(b, func() (string, error) { return NormalizePhone(c.in, c.region) })
		})
		b.Run(c.name+"-readback", func(b *testing.B) {
			benchNorm(b, func() (string, error) {
				out, _ := phoneReference(c.in, c.region)
				return out, nil
			})
		})
	}
}

func BenchmarkNormalizeName(b *testing.B) {
	b.Run("ascii", func(b *testing.B) { benchNorm(b, func() (string, error) { return NormalizeName("O'Brien") }) })
	b.Run("accents", func(b *testing.B) { benchNorm(b, func() (string, error) { return NormalizeName("Valéry") }) })
}

func BenchmarkNormalizeCity(b *testing.B) {
	benchNorm(b, func() (string, error) { return NormalizeCity("St. Louis") })
}

func BenchmarkNormalizeState(b *testing.B) {
	benchNorm(b, func() (string, error) { return NormalizeState("California", "US") })
}

func BenchmarkNormalizeZip(b *testing.B) {
	benchNorm(b, func() (string, error) { return NormalizeZip("94025-1234", "US") })
}

func BenchmarkNormalizeCountry(b *testing.B) {
	benchNorm(b, func() (string, error) { return NormalizeCountry("United States") })
}

func BenchmarkNormalizeBirthdate(b *testing.B) {
	b.Run("layout", func(b *testing.B) {
		benchNorm(b, func() (string, error) { return NormalizeBirthdate("2/16/1997", "1/2/2006", testNow) })
	})
	b.Run("auto", func(b *testing.B) {
		benchNorm(b, func() (string, error) { return NormalizeBirthdate("1997-02-16", "auto", testNow) })
	})
}

func BenchmarkNormalizeGender(b *testing.B) {
	benchNorm(b, func() (string, error) { return NormalizeGender("Female") })
}

func BenchmarkHash(b *testing.B) {
	benchNorm(b, func() (string, error) { return Hash("john_smith@gmail.com"), nil })
}

// BenchmarkNormalizeRow is the per-row budget: eight customer columns of
// a US export, normalized and hashed.
func BenchmarkNormalizeRow(b *testing.B) {
	opt := NormalizeOptions{DefaultCountry: "US", Country: "US", DateLayout: "1/2/2006", Now: testNow}
	row := [][2]string{
		{"em", " John_Smith@Gmail.com "}, {"ph", "(650) 555-1212"}, {"fn", "John"},
		{"ln", "O'Brien"}, {"ct", "St. Louis"}, {"st", "Missouri"}, {"zp", "63101-1234"},
		{"country", "US"},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, kv := range row {
			s, err := NormalizeUserValue(kv[0], kv[1], opt)
			if err != nil {
				b.Fatal(err)
			}
			benchSink = s
		}
	}
}
