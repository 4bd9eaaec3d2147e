package fakevault

import "time"

// maxReservations caps the usernames handed out by POST /srp/username that
// are waiting for POST /srp/users. The route needs no authentication, so
// without a cap anyone could grow the store for an hour per call.
//
// At the cap the oldest reservation is dropped rather than the request
// refused with 429: a reservation only keeps the fake from handing the same
// random 11-character base58 name out twice (58^11 ≈ 2.5·10^19 names, so a
// dropped one is never drawn again in practice), and registration does not
// require one. Dropping costs honest clients nothing, whereas a 429 would
// let a flood of anonymous calls lock every new user out of signing up.
const maxReservations = 10_000

// reservations is the set of reserved usernames with their expiry, kept in
// the order they were made. Every reservation lives usernameTTL, so that
// order is also the order they expire in: sweeping and evicting both take
// from the front, in amortised constant time.
type reservations struct {
	until map[string]time.Time
	order []string // oldest first; may hold names already released
	head  int      // order[:head] is spent
}

func newReservations() *reservations {
	return &reservations{until: map[string]time.Time{}}
}

func (r *reservations) has(name string) bool { _, ok := r.until[name]; return ok }

func (r *reservations) len() int { return len(r.until) }

// add reserves name until exp, dropping the oldest reservation at the cap.
func (r *reservations) add(name string, exp time.Time, limit int) {
	for len(r.until) >= limit && r.popFront() {
	}
	r.until[name] = exp
	r.order = append(r.order, name)
}

// release drops name (it was registered). Its entry in order is skipped
// when the front reaches it.
func (r *reservations) release(name string) { delete(r.until, name) }

// expire drops every reservation past its time.
func (r *reservations) expire(now time.Time) {
	for r.head < len(r.order) {
		name := r.order[r.head]
		if exp, ok := r.until[name]; ok && !now.After(exp) {
			return
		}
		r.popFront()
	}
}

// popFront drops the oldest entry of order (and its reservation, if it is
// still held) and reports whether there was one.
func (r *reservations) popFront() bool {
	if r.head >= len(r.order) {
		return false
	}
	delete(r.until, r.order[r.head])
	r.order[r.head] = ""
	r.head++
	if r.head > 1024 && r.head*2 > len(r.order) {
		r.order = append(r.order[:0:0], r.order[r.head:]...)
		r.head = 0
	}
	return true
}
