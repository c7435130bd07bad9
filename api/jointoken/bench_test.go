package jointoken

import (
	"testing"
)

func BenchmarkVerify(b *testing.B) {
	tok := mustSign(b, testSecret, testClaims())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(tok, testLookup, testRoom, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	c := testClaims()
	c.ID = ""
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(testSecret, c); err != nil {
			b.Fatal(err)
		}
	}
}
