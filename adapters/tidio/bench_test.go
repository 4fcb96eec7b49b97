package tidio

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkDecodeContactPage measures decoding one page of 100 contacts,
// the unit of every listing and lookup.
func BenchmarkDecodeContactPage(b *testing.B) {
	type contact struct {
		ID         string `json:"id"`
		DistinctID string `json:"distinct_id"`
		FirstName  string `json:"first_name"`
		LastName   string `json:"last_name"`
		Email      string `json:"email"`
		Phone      string `json:"phone"`
		CreatedAt  string `json:"created_at"`
		Properties []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"properties"`
	}
	page := struct {
		Contacts []contact `json:"contacts"`
		Meta     wireMeta  `json:"meta"`
	}{Meta: wireMeta{Cursor: "aWRfX2U2YTgyYTc0LTExNzAtNGY1Ny1hMDMxLWIzNmYzZjZiYzA5Mw==", Limit: 100}}
	for i := range 100 {
		page.Contacts = append(page.Contacts, contact{
			ID: fmt.Sprintf("a1b2c3d4-e5f6-4890-abcd-%012d", i), DistinctID: fmt.Sprintf("crm-%d", i),
			FirstName: "Ada", LastName: "Lovelace", Email: fmt.Sprintf("ada.%d@example.com", i), Phone: "+44 20 7946 0958",
			CreatedAt: "2025-09-06T10:30:00+00:00",
		})
	}
	body, err := json.Marshal(page)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodePage(body, "contacts", decodeContact); err != nil {
			b.Fatal(err)
		}
	}
}
