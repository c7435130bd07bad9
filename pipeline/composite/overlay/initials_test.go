package overlay

import "testing"

func TestInitials(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Ada Lovelace", "AL"},
		{"bob", "B"},
		{"ada king lovelace", "AL"},
		{"  Grace   Hopper  ", "GH"},
		{"Jean-Luc Picard", "JP"},
		{"(bob) [smith]", "BS"},
		{"émile zola", "ÉZ"},
		{"Ørjan Ødegård", "ØØ"},
		{"Владимир Набоков", "ВН"},
		{"山田 太郎", "山太"},
		{"أحمد علي", "أع"},
		{"ǆemal", "ǅ"},
		{"R2 D2", "RD"},
		{"42", "4"},
		{"🎉 party", "P"},
		{"🎉🎉", "?"},
		{"---", "?"},
		{"", "?"},
		{"   ", "?"},
		{"a\u00a0b", "AB"},
	}
	for _, tc := range tests {
		if got := Initials(tc.name); got != tc.want {
			t.Errorf("Initials(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
