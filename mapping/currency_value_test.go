package mapping

import (
	"testing"
)

// TestCurrencyValueMatchesNormalizeCurrency checks Map's table lookup
// against NormalizeCurrency on every three-letter string in three cases,
// with spaces, and on odd inputs.
func TestCurrencyValueMatchesNormalizeCurrency(t *testing.T) {
	t.Parallel()
	ins := []string{"", " ", "usd ", " Eur", "ſa", "US", "USDX", "$", "xau", "X0F", "€€€"[:3]}
	for a := byte('a'); a <= 'z'; a++ {
		for b := byte('A'); b <= 'Z'; b++ {
			for _, c := range []byte{'d', 'R', 'y'} {
				ins = append(ins, string([]byte{a, b, c}))
			}
		}
	}
	accepted := 0
	for _, in := range ins {
		want, wantErr := NormalizeCurrency(in)
		got, err := currencyValue(in)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("currencyValue(%q) error %v; NormalizeCurrency error %v", in, err, wantErr)
		}
		if err != nil {
			continue
		}
		accepted++
		if s, ok := got.(string); !ok || s != want {
			t.Errorf("currencyValue(%q) = %#v; want %q", in, got, want)
		}
	}
	if accepted < 20 {
		t.Fatalf("only %d codes accepted; the comparison proves little", accepted)
	}
}

func TestNormalizeCurrencyLengthChangingCase(t *testing.T) {
	t.Parallel()
	if got, err := NormalizeCurrency("ſa"); err == nil {
		t.Errorf(`NormalizeCurrency("ſa") = %q; want unknown_currency`, got)
	}
}
