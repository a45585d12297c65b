package report

// MatchStrength is capi-upload's own estimate of how well the sent events
// can be matched to people, from which customer keys they carry. It is
// NOT Meta's Event Match Quality, which Meta computes after the fact from
// its own matching and does not publish a formula for.
type MatchStrength struct {
	// Score is the mean over sent (built) events of min(1, Σ w_k) for the
	// keys k the event carries, times 100, rounded to one decimal.
	Score float64 `json:"score"`
	// Level is "weak" (< 30), "fair" (< 55), "good" (< 80) or "strong".
	Level string `json:"level"`
	Label string `json:"label"`
}

// MatchLabel is printed wherever the estimate appears.
const MatchLabel = "capi-upload's own estimate, not Meta's Event Match Quality"

// MatchWeights are the per-key weights of the estimate. The ranking
// follows Meta's best-practices page, which names email and phone as the
// strongest keys, then external_id, then name, address and birth date; the
// numbers are ours. One direct key (em or ph) alone gives 45 or 40, both
// give 85, and name plus zip plus city adds about 35: an event with em,
// ph, fn, ln and zp saturates at 100.
var MatchWeights = map[string]float64{
	"em":          0.45,
	"ph":          0.40,
	"external_id": 0.20,
	"fn":          0.10,
	"ln":          0.10,
	"zp":          0.08,
	"db":          0.08,
	"ct":          0.05,
	"st":          0.04,
	"country":     0.03,
	"ge":          0.02,
	// The keys Meta takes unhashed. A lead id, a Facebook Login id and a
	// mobile advertiser id name one account or device, as strong as an
	// email; a click id ties the event to one ad click; an IP address and
	// a user agent are weak alone and a fair key together; a browser id
	// and a subscription id help a little.
	"lead_id":           0.45,
	"fb_login_id":       0.45,
	"madid":             0.40,
	"fbc":               0.30,
	"client_ip_address": 0.10,
	"client_user_agent": 0.05,
	"fbp":               0.05,
	"subscription_id":   0.05,
}

func matchLevel(score float64) string {
	switch {
	case score < 30:
		return "weak"
	case score < 55:
		return "fair"
	case score < 80:
		return "good"
	}
	return "strong"
}
