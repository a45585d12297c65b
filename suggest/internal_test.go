package suggest

import (
	"testing"
)

func TestNormalizeHeader(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"hyphens", "E-Mail-Adresse", "e mail adresse"},
		{"camel case", "FirstName", "first name"},
		{"accents", "Téléphone", "telephone"},
		{"umlaut", "Währung", "wahrung"},
		{"sharp s", "Straße", "strasse"},
		{"numero sign", "Nº pedido", "no pedido"},
		{"digits dropped", "Email 2", "email"},
		{"spaces", "  Receipt   No ", "receipt no"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalizeHeader(tt.in); got != tt.want {
				t.Errorf("normalizeHeader(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRuleFor(t *testing.T) {
	tests := []struct {
		header string
		want   role
	}{
		{"Email", roleEmail}, {"E-mail", roleEmail}, {"Mail", roleEmail}, {"Courriel", roleEmail},
		{"Correo", roleEmail}, {"E-Mail-Adresse", roleEmail}, {"Customer Email", roleEmail}, {"Email SHA256", roleEmail},
		{"Phone", rolePhone}, {"Mobile", rolePhone}, {"Tel", rolePhone}, {"Telefon", rolePhone},
		{"Teléfono", rolePhone}, {"Téléphone", rolePhone}, {"Handy", rolePhone}, {"Celular", rolePhone},
		{"First Name", roleFirstName}, {"Given Name", roleFirstName}, {"Vorname", roleFirstName},
		{"Prénom", roleFirstName}, {"Nombre", roleFirstName}, {"First Visit", roleNone},
		{"Last Name", roleLastName}, {"Surname", roleLastName}, {"Nachname", roleLastName},
		{"Nom", roleLastName}, {"Apellido", roleLastName},
		{"Name", roleFullName}, {"Customer Name", roleFullName},
		{"City", roleCity}, {"Town", roleCity}, {"Stadt", roleCity}, {"Ville", roleCity}, {"Ciudad", roleCity}, {"Cidade", roleCity},
		{"State", roleState}, {"Province", roleState}, {"Region", roleState}, {"Bundesland", roleState},
		{"Zip", roleZip}, {"Postal Code", roleZip}, {"Postcode", roleZip}, {"PLZ", roleZip}, {"CEP", roleZip}, {"Code Postal", roleZip},
		{"Country", roleCountry}, {"Land", roleCountry}, {"Pays", roleCountry}, {"País", roleCountry},
		{"Birthday", roleBirthday}, {"DOB", roleBirthday}, {"Date of Birth", roleBirthday}, {"Geburtsdatum", roleBirthday},
		{"Gender", roleGender}, {"Sex", roleGender}, {"Geschlecht", roleGender},
		{"Order Date", roleEventTime}, {"Transaction Date", roleEventTime}, {"Sale Date", roleEventTime}, {"Datum", roleEventTime}, {"Date", roleEventTime},
		{"Total", roleValue}, {"Amount", roleValue}, {"Revenue", roleValue}, {"Betrag", roleValue}, {"Montant", roleValue}, {"Importe", roleValue}, {"Order Value", roleValue},
		{"Currency", roleCurrency}, {"Währung", roleCurrency},
		{"Order", roleOrderID}, {"Receipt No", roleOrderID}, {"Transaction ID", roleOrderID}, {"Bestellnummer", roleOrderID}, {"Order Ref", roleOrderID},
		{"Customer ID", roleExternalID}, {"Loyalty ID", roleExternalID}, {"Member", roleExternalID},
		{"SKU", roleContentIDs}, {"SKUs", roleContentIDs}, {"Product IDs", roleContentIDs},
		{"Qty", roleNumItems}, {"Type", roleEventName}, {"Transaction Type", roleEventName}, {"Store", roleStore},
		{"Column1", roleNone}, {"", roleNone},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := ruleFor(tt.header); got != tt.want {
				t.Errorf("ruleFor(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestProposeTime(t *testing.T) {
	tests := []struct {
		name      string
		values    []string
		preferDay bool
		want      string
		ambiguous bool
	}{
		{"us with a day above 12", []string{"11/05/2026 14:32", "11/25/2026 09:01"}, false, "01/02/2006 15:04", false},
		{"day first even where month first is preferred", []string{"05/11/2026", "25/11/2026"}, false, "02/01/2006", false},
		{"ambiguous, US", []string{"11/05/2026", "10/03/2026"}, false, "01/02/2006", true},
		{"ambiguous, day-first country", []string{"11/05/2026", "10/03/2026"}, true, "02/01/2006", true},
		{"german dots", []string{"24.11.2026", "01.11.2026"}, true, "02.01.2006", false},
		{"iso", []string{"2026-11-24 10:00:00"}, false, "2006-01-02 15:04:05", false},
		{"rfc3339", []string{"2026-11-24T10:00:00Z", "2026-11-24T10:00:00+01:00"}, false, "rfc3339", false},
		{"excel serials", []string{"46351.6041666667", "46350"}, false, "excel", false},
		{"unix", []string{"1795000000"}, false, "unix", false},
		{"unix ms", []string{"1795000000000"}, false, "unix_ms", false},
		{"a bad value among good", []string{"11/25/2026 14:32", "00/00/0000 00:00", "11/24/2026 10:00"}, false, "01/02/2006 15:04", false},
		{"not times", []string{"apple", "pear"}, false, "", false},
		{"none", nil, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := proposeTime(tt.values, tt.preferDay)
			if got.format != tt.want || got.ambiguous != tt.ambiguous {
				t.Errorf("proposeTime(%q) = %q (ambiguous %v), want %q (ambiguous %v)", tt.values, got.format, got.ambiguous, tt.want, tt.ambiguous)
			}
		})
	}
}

func TestValueKinds(t *testing.T) {
	tests := []struct {
		in                  string
		email, phone, money bool
		decimal             byte
	}{
		{in: "John_Smith@Gmail.com", email: true},
		{in: "mailto:a@example.com", email: true},
		{in: "a@@example.com"},
		{in: "(650) 555-1212", phone: true},
		{in: "650.555.1212", phone: true},
		{in: "+1 650 555 1212", phone: true},
		{in: "6505551212", phone: true, money: true}, // a bare number could be either
		{in: "650-555-1212 ext. 23", phone: true},
		{in: "104200", money: true},
		{in: "11/25/2026"},
		{in: "1.234,50", money: true, decimal: ','},
		{in: "34,99", money: true, decimal: ','},
		{in: "1,234.50", money: true, decimal: '.'},
		{in: "12.5", money: true, decimal: '.'},
		{in: "R$ 20,90", money: true, decimal: ','},
		{in: "1.234", money: true},                                // a thousand or one and a bit: undecided
		{in: "1.234.567", phone: true, money: true, decimal: ','}, // 7 digits with dots: a local number too
		{in: "N/A"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := isEmail(tt.in); got != tt.email {
				t.Errorf("isEmail(%q) = %v, want %v", tt.in, got, tt.email)
			}
			if got := isPhone(tt.in); got != tt.phone {
				t.Errorf("isPhone(%q) = %v, want %v", tt.in, got, tt.phone)
			}
			if got := isMoney(tt.in); got != tt.money {
				t.Errorf("isMoney(%q) = %v, want %v", tt.in, got, tt.money)
			}
			if got := decimalOf(tt.in); got != tt.decimal {
				t.Errorf("decimalOf(%q) = %q, want %q", tt.in, got, tt.decimal)
			}
		})
	}
}

func TestEventMap(t *testing.T) {
	tests := []struct {
		name     string
		values   []string
		hasValue bool
		want     map[string]string
		ok       bool
	}{
		{"sales and returns", []string{"SALE", "RETURN", "SALE"}, true, map[string]string{"SALE": "Purchase", "RETURN": ""}, true},
		{"meta names in any case", []string{"lead", "Purchase"}, false, map[string]string{"lead": "Lead", "Purchase": "Purchase"}, true},
		{"already meta names", []string{"Lead", "Purchase"}, false, nil, true},
		{"unknown value", []string{"SALE", "Gift card"}, true, nil, false},
		{"sale without amounts", []string{"SALE"}, false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := eventMap(tt.values, tt.hasValue)
			if ok != tt.ok || len(got) != len(tt.want) {
				t.Fatalf("eventMap(%q) = %v, %v; want %v, %v", tt.values, got, ok, tt.want, tt.ok)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("eventMap(%q)[%q] = %q, want %q", tt.values, k, got[k], v)
				}
			}
		})
	}
}
