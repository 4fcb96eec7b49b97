// Package demodata generates the contacts of the CLI's demo and sandbox,
// messy the way real help-desk data is: case twins, local phones, names
// longer than any vendor holds, people known by name only. The tests that
// prove the migration bars (internal/e2e) run on the same data.
package demodata

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/deskbridge/deskbridge/support"
)

// Data is the demo's source and target, messy the way real help-desk
// data is.
type Data struct {
	// Source are the contacts of the source platform, in order.
	Source []support.ContactInput
	// Target are the contacts already in the target platform: some of the
	// same people, as the target knows them.
	Target []support.ContactInput
	// What the mess is made of, for the demo's narration.
	CaseTwins, LocalPhones, LongNames, NoFirstName, NameOnly, WithCustomFields int
	// SharedPhones counts the people whose phone an earlier, different
	// person already has (only with SharedPhoneEvery).
	SharedPhones int
}

// SharedPhoneEvery is how far apart two people who share a phone are, when
// demo data is asked for shared phones (sandbox --shared-phones): person i
// gets the phone of person i-SharedPhoneEvery, with another name and
// email. Migrating them exercises the identity rule: the second is a
// conflict, never merged into the first.
const SharedPhoneEvery = 1000

// demoAreaCodes give the US phones of up to 100,000 people distinct
// numbers: 10,000 lines per area code.
var demoAreaCodes = []string{"415", "212", "312", "617", "206", "303", "512", "404", "702", "503"}

var (
	demoFirst = []string{"Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Tim", "Radia", "Donald", "Barbara",
		"Ken", "Frances", "Edsger", "Hedy", "John", "Annie", "Sophie", "Mateus", "Yuki", "Amara", "Olu", "Priya", "Chen",
		"Fatima", "Lars", "Ines", "Dmitri", "Zanele", "Aroha", "Björn"}
	demoLast = []string{"Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Berners-Lee", "Perlman",
		"Knuth", "Liskov", "Thompson", "Allen", "Dijkstra", "Lamarr", "McCarthy", "Easley", "Wilson", "Oliveira",
		"Tanaka", "Okafor", "Adeyemi", "Raman", "Wei", "Haddad", "Nilsson", "García", "Volkov", "Dlamini", "Ngata", "Sørensen"}
	demoDomains = []string{"example.com", "example.org", "example.net", "mail.example.com"}
	demoPlans   = []string{"free", "pro", "enterprise"}
	demoTiers   = []string{"bronze", "silver", "gold"}
	demoLangs   = []struct{ lang, country string }{{"en", "GB"}, {"en", "US"}, {"de", "DE"}, {"fr", "FR"}, {"pt", "BR"}, {"ja", "JP"}}
)

// longName is longer than any vendor's name field: a real one, from the
// record books.
const longName = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafewaren" +
	"wohlgepflegeundsorgfaltigkeitbeschutzenvonangreifendurchihrraubgierigfeindewelchevoralternzwolftausend"

// New makes n people (plus the twins) deterministically from seed.
// The proportions are fixed per hundred so that every run of the demo
// shows the same kinds of mess. No two different people share a phone
// (up to 100,000 people) unless sharedPhones is set.
func New(n int, seed uint64, sharedPhones bool) *Data {
	rng := rand.New(rand.NewPCG(seed, 0x6465736b))
	d := &Data{}
	phones := make([]string, n) // person i's phone
	for i := range n {
		first, last := demoFirst[rng.IntN(len(demoFirst))], demoLast[rng.IntN(len(demoLast))]
		local := strings.ToLower(fmt.Sprintf("%s.%s%d", asciiName(first), asciiName(last), i))
		in := support.ContactInput{
			FirstName: first,
			LastName:  last,
			Email:     local + "@" + demoDomains[rng.IntN(len(demoDomains))],
			Phone:     fmt.Sprintf("+44 7700 9%05d", i%100000),
		}
		if i%2 == 0 {
			in.Phone = fmt.Sprintf("+1 (%s) 555-%04d", demoAreaCodes[i/10000%len(demoAreaCodes)], i%10000)
		}
		if rng.IntN(10) < 7 {
			l := demoLangs[rng.IntN(len(demoLangs))]
			in.Language, in.Country = l.lang, l.country
		}
		if i%5 < 3 {
			in.ExternalID = fmt.Sprintf("crm-%06d", i)
		}
		if i%10 < 3 {
			in.CustomFields = map[string]string{"plan": demoPlans[rng.IntN(len(demoPlans))]}
			if i%100 == 30 {
				in.CustomFields["loyalty_tier"] = demoTiers[rng.IntN(len(demoTiers))]
			}
			d.WithCustomFields++
		}
		switch i % 100 {
		case 11, 37, 73, 91, 99:
			// A phone written for local use, without its country code.
			in.Phone = fmt.Sprintf("07700 9%05d", i%100000)
			d.LocalPhones++
		case 23:
			in.LastName = longName
			d.LongNames++
		case 41, 59:
			// Known by email only, with a last name: respond.io needs a
			// first name to create a contact.
			in.FirstName = ""
			d.NoFirstName++
		case 67:
			// Known by name only: nothing to match or look up by.
			in.Email, in.Phone, in.ExternalID = "", "", ""
			d.NameOnly++
		}
		if sharedPhones && i >= SharedPhoneEvery && i%100 == 2 {
			// Another person with the phone of someone earlier: a family
			// line, an office switchboard. The email differs.
			in.Phone = phones[i-SharedPhoneEvery]
			d.SharedPhones++
		}
		phones[i] = in.Phone
		d.Source = append(d.Source, in)
		if i%100 == 5 || i%100 == 55 || i%100 == 85 {
			// The same person again, entered by someone else: the email
			// differs only in case, the phone is written another way.
			twin := in
			twin.Email = strings.ToUpper(in.Email[:1]) + in.Email[1:]
			if i%100 == 55 {
				twin.Email = strings.ToUpper(in.Email)
			}
			twin.Phone = strings.NewReplacer(" ", "", "(", "", ")", "", "-", "").Replace(in.Phone)
			twin.ExternalID = ""
			d.Source = append(d.Source, twin)
			d.CaseTwins++
		}
		if i%10 == 4 && in.Email != "" {
			// Already in the target: half exactly as in the source, half
			// with an older name and no phone.
			old := support.ContactInput{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone}
			if old.FirstName == "" {
				old.FirstName = "Customer"
			}
			if i%20 == 4 {
				old.LastName, old.Phone = "(maiden name)", ""
			}
			d.Target = append(d.Target, old)
		}
	}
	return d
}

// asciiName keeps the letters of a name usable in an email address.
func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			return r
		case r == 'ø' || r == 'ö':
			return 'o'
		case r == 'í':
			return 'i'
		}
		return -1
	}, s)
}
