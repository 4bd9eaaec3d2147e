package fakevault

import (
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// BenchmarkFaultFree runs the store's busiest rules with no fault on:
// sharing, reading a share, listing items a page at a time, and updating
// a shared item. Compared with benchstat against a build without the fault
// points, it shows what the fault checks cost a fault-free fake.
func BenchmarkFaultFree(b *testing.B) {
	// Each part has a store of its own, so that one part's records do not
	// slow another's down.
	setup := func(b *testing.B) (f *fixture, alice, bob string, shared *meeco.ItemResponse, sh meeco.Share) {
		f = &fixture{t: b, st: NewStore(Options{})}
		alice, bob = f.user(), f.user()
		f.connect(alice, bob)
		shared = f.vehicle(alice)
		sh = f.share(alice, shared, bob)
		for i := 0; i < 50; i++ {
			f.vehicle(alice)
		}
		return
	}
	b.Run("share", func(b *testing.B) {
		f, alice, bob, _, _ := setup(b)
		its := make([]*meeco.ItemResponse, b.N)
		reqs := make([]meeco.CreateSharesRequest, b.N)
		for i := range its {
			its[i] = f.vehicle(alice)
			reqs[i] = meeco.CreateSharesRequest{Shares: []meeco.PostShare{f.shareReq(alice, its[i], bob)}}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := f.st.CreateShares(alice, its[i].Item.ID, reqs[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		f, _, bob, _, sh := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := f.st.GetIncomingItem(bob, sh.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list", func(b *testing.B) {
		f, alice, _, _, _ := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := f.st.ListItems(alice, ItemFilter{}, Page{PerPage: 10}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("update", func(b *testing.B) {
		f, alice, _, shared, _ := setup(b)
		vals := make([]string, 16)
		for i := range vals {
			vals[i] = aesStr(b)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := f.st.UpdateItem(alice, shared.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{
				SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: &vals[i%len(vals)]}}}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
