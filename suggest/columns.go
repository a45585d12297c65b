package suggest

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// role is what a column is proposed for: a user_data key ("em", …), an
// event field, or a custom_data key.
type role string

const (
	roleNone       role = ""
	roleEmail      role = "em"
	rolePhone      role = "ph"
	roleFirstName  role = "fn"
	roleLastName   role = "ln"
	roleCity       role = "ct"
	roleState      role = "st"
	roleZip        role = "zp"
	roleCountry    role = "country"
	roleBirthday   role = "db"
	roleGender     role = "ge"
	roleExternalID role = "external_id"
	roleEventTime  role = "event_time"
	roleEventName  role = "event_name"
	roleValue      role = "value"
	roleCurrency   role = "currency"
	roleOrderID    role = "order_id"
	roleContentIDs role = "content_ids"
	roleNumItems   role = "num_items"
	roleStore      role = "store_id"
	roleChannel    role = "channel"  // a hint for action_source
	roleFullName   role = "fullname" // needs splitting: listed, not mapped
)

// headerRule recognizes a role by words in a column name. Words are
// compared after normalizeHeader; a word with a space is a phrase that
// must appear on word boundaries.
type headerRule struct {
	role  role
	words []string
}

// headerRules are tried in order and the first match wins, so the order
// settles names that carry two ideas: "Order Date" is a time before it is
// an order, "Order Value" a value, "Date of Birth" a birthday, "Customer
// Email" an email, "Transaction Type" an event type.
var headerRules = []headerRule{
	{roleBirthday, []string{"birthday", "birth", "dob", "birthdate", "geburtsdatum", "geburtstag", "naissance",
		"nacimiento", "nascimento", "cumpleanos", "aniversario", "geboortedatum"}},
	{roleEmail, []string{"email", "e mail", "mail", "emails", "emailadresse", "courriel", "correo", "mailadresse"}},
	{rolePhone, []string{"phone", "telephone", "tel", "telefon", "telefono", "telefone", "mobile", "mobil",
		"handy", "celular", "cell", "cellphone", "mobilnummer", "telefonnummer", "portable", "whatsapp",
		"telefoonnummer", "movil", "fon"}},
	{roleEventTime, []string{"date", "datum", "time", "timestamp", "datetime", "fecha", "data", "created",
		"zeit", "heure", "hora", "when", "zeitpunkt", "horodatage", "data da compra", "data do pedido",
		"data de compra", "data da venda", "data de venda"}},
	{roleCurrency, []string{"currency", "curr", "ccy", "wahrung", "devise", "moneda", "moeda", "valuta"}},
	{roleValue, []string{"total", "amount", "revenue", "betrag", "montant", "importe", "value", "price",
		"sum", "summe", "gesamt", "gesamtbetrag", "valor", "prix", "umsatz", "gross", "net", "subtotal",
		"preis", "precio", "preco", "bedrag", "totaal", "spend", "sales"}},
	{roleContentIDs, []string{"sku", "skus", "product", "products", "product id", "product ids", "item id",
		"item ids", "artikel", "artikelnummer", "produit", "produto", "producto", "ean", "upc", "article", "gtin"}},
	{roleNumItems, []string{"qty", "quantity", "items", "menge", "anzahl", "quantite", "cantidad",
		"quantidade", "units", "pcs", "stuck", "aantal"}},
	{roleFirstName, []string{"first name", "firstname", "given name", "givenname", "forename", "vorname",
		"prenom", "nombre", "primeiro nome", "fname", "first", "voornaam"}},
	{roleLastName, []string{"last name", "lastname", "surname", "family name", "familyname", "nachname",
		"nom", "nom de famille", "apellido", "apellidos", "sobrenome", "ultimo nome", "lname", "last",
		"achternaam", "familienname"}},
	{roleFullName, []string{"name", "full name", "fullname", "customer name", "nome", "kunde name"}},
	{roleCity, []string{"city", "town", "stadt", "ville", "ciudad", "cidade", "ort", "localidad",
		"municipio", "locality", "plaats", "wohnort"}},
	{roleCountry, []string{"country", "land", "pays", "pais", "nation", "country code", "countrycode", "staat"}},
	{roleState, []string{"state", "province", "region", "bundesland", "estado", "provincia", "uf",
		"state code", "provinz", "county"}},
	{roleZip, []string{"zip", "zipcode", "zip code", "postal", "postcode", "post code", "postalcode", "plz",
		"postleitzahl", "cep", "code postal", "codepostal", "cp", "codigo postal", "postcode"}},
	{roleGender, []string{"gender", "sex", "geschlecht", "genre", "sexe", "genero", "sexo", "geslacht",
		"anrede", "salutation", "civilite", "tratamiento", "aanhef"}},
	{roleEventName, []string{"event", "event name", "event type", "type", "transaction type", "tipo", "art",
		"typ", "kind"}},
	{roleExternalID, []string{"customer", "customer id", "customer no", "customer number", "client",
		"client id", "kunde", "kunden", "kundennummer", "kundennr", "member", "member id", "membership",
		"loyalty", "loyalty id", "cliente", "user id", "userid", "contact id", "crm id", "external id",
		"externalid", "account", "account id", "klant", "klantnummer"}},
	{roleOrderID, []string{"order", "orders", "receipt", "transaction", "invoice", "bestellnummer",
		"bestellung", "pedido", "commande", "ticket", "beleg", "belegnummer", "bon", "rechnung",
		"rechnungsnummer", "recibo", "factura", "fatura", "orden", "txn", "trans", "booking", "bestelling",
		"order id", "order no", "order number", "sale id", "sales id", "opportunity id", "deal id", "check id",
		"charge id", "payment id"}},
	{roleStore, []string{"store", "shop", "branch", "filiale", "magasin", "tienda", "loja", "outlet",
		"location", "site", "markt", "winkel", "store id", "boutique"}},
	{roleChannel, []string{"channel", "source", "kanal", "canal", "origin", "medium"}},
}

// wholeNameOnly holds words too vague to count inside a longer name:
// "First" is a first name, "First Visit" is not; "Land" is a country,
// "Land Use" is not.
var wholeNameOnly = map[string]bool{
	"first": true, "last": true, "art": true, "kind": true, "data": true, "when": true,
	"fon": true, "uf": true, "cp": true, "bon": true, "site": true, "staat": true,
	"net": true, "cell": true, "land": true, "name": true, "nom": true, "nome": true,
	"sum": true, "trans": true, "medium": true, "origin": true,
}

// ruleFor returns the role a column name suggests, or roleNone.
func ruleFor(header string) role {
	n := normalizeHeader(header)
	if n == "" {
		return roleNone
	}
	padded := " " + n + " "
	compact := strings.ReplaceAll(n, " ", "")
	for _, r := range headerRules {
		for _, w := range r.words {
			if strings.Contains(w, " ") {
				if strings.Contains(padded, " "+w+" ") || compact == strings.ReplaceAll(w, " ", "") {
					return r.role
				}
				continue
			}
			if compact == w || (!wholeNameOnly[w] && strings.Contains(padded, " "+w+" ")) {
				return r.role
			}
		}
	}
	return roleNone
}

// normalizeHeader folds a column name to lower-case ASCII-ish words:
// accents dropped, camelCase split, punctuation and digits as spaces
// ("E-Mail-Adresse" → "e mail adresse", "FirstName" → "first name",
// "Téléphone" → "telephone", "Nº pedido" → "no pedido").
func normalizeHeader(s string) string {
	var b strings.Builder
	var prev rune
	for _, r := range norm.NFD.String(strings.TrimSpace(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'º' || r == '°':
			r = 'o'
		case r == 'ß':
			b.WriteString("ss")
			prev = r
			continue
		}
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			b.WriteByte(' ')
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
		prev = r
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
