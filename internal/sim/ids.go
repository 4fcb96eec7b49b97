package sim

import (
	"encoding/hex"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"
)

// IDs generates deterministic identifiers in the shapes the vendors use:
// integer sequences, prefixed base62 tokens ("ctc_…"), UUIDs and ULIDs.
//
// Every generator method takes a namespace (or prefix), and each namespace
// has its own counter and its own pseudo-random stream derived from Seed and
// the namespace's name. So the same Seed gives the same IDs in every run, and
// creating an operator does not change the ID the next contact gets. Calls
// made in a different order (concurrent requests) still get different IDs
// each, just not the same ones as in the sequential run.
//
// The zero IDs is ready to use, with seed 0. Set Seed before the first call.
// An IDs is safe for concurrent use.
type IDs struct {
	// Seed selects the sequence of IDs.
	Seed uint64

	mu      sync.Mutex
	seqs    map[string]int64
	streams map[string]*rand.Rand
	ulids   map[string]*ulidState
}

// base62 digits in ASCII order, so that fixed-width tokens compare like the
// numbers they encode.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Seq returns the next number of the integer sequence ns: 1, 2, 3, ...
func (g *IDs) Seq(ns string) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seqLocked("seq:" + ns)
}

func (g *IDs) seqLocked(ns string) int64 {
	if g.seqs == nil {
		g.seqs = map[string]int64{}
	}
	g.seqs[ns]++
	return g.seqs[ns]
}

func (g *IDs) streamLocked(ns string) *rand.Rand {
	if g.streams == nil {
		g.streams = map[string]*rand.Rand{}
	}
	r := g.streams[ns]
	if r == nil {
		r = rand.New(rand.NewPCG(g.Seed, hashString(ns)))
		g.streams[ns] = r
	}
	return r
}

// PrefixedLen is the length of the token Prefixed puts after the prefix, the
// length of TidySupport's example IDs ("ctc_B7OSYsnTUVwBPOGrgYTjvSGS").
const PrefixedLen = 24

// Prefixed returns prefix followed by PrefixedLen base62 characters, such as
// "ctc_3kT0…". The token encodes a per-prefix counter through a bijection
// keyed by Seed (so two tokens of one prefix never collide), followed by
// characters from the prefix's seeded stream (so they look random).
func (g *IDs) Prefixed(prefix string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ns := "prefixed:" + prefix
	n := uint64(g.seqLocked(ns))
	r := g.streamLocked(ns)

	b := make([]byte, 0, len(prefix)+PrefixedLen)
	b = append(b, prefix...)
	// 11 base62 digits hold any uint64 (62^11 > 2^64).
	x := mix64(n + mix64(g.Seed^hashString(ns)))
	var digits [11]byte
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = base62[x%62]
		x /= 62
	}
	b = append(b, digits[:]...)
	for len(b) < len(prefix)+PrefixedLen {
		b = append(b, base62[r.IntN(62)])
	}
	return string(b)
}

// UUID returns the next UUID of namespace ns, shaped like a version 4
// (random) UUID in lower-case hex: "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
// Its 122 variable bits come from the namespace's seeded stream.
func (g *IDs) UUID(ns string) string {
	g.mu.Lock()
	r := g.streamLocked("uuid:" + ns)
	var u [16]byte
	putUint64(u[:8], r.Uint64())
	putUint64(u[8:], r.Uint64())
	g.mu.Unlock()

	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], u[10:16])
	return string(s[:])
}

type ulidState struct {
	ms     uint64
	hi     uint16 // top 16 of the 80 random bits
	lo     uint64 // bottom 64 of the 80 random bits
	issued bool
}

// ULID returns the next ULID of namespace ns for time t: 26 Crockford base32
// characters, 48 bits of Unix milliseconds then 80 bits from the namespace's
// seeded stream. ULIDs of one namespace are strictly increasing, as in the
// ULID spec's monotonic mode: within one millisecond (the usual case under a
// manual Clock), or if t goes backwards, the previous random part is
// incremented instead of drawn again. So sorting them sorts by creation.
func (g *IDs) ULID(ns string, t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0)) & (1<<48 - 1)

	g.mu.Lock()
	if g.ulids == nil {
		g.ulids = map[string]*ulidState{}
	}
	st := g.ulids[ns]
	if st == nil {
		st = &ulidState{}
		g.ulids[ns] = st
	}
	if st.issued && ms <= st.ms {
		ms = st.ms
		st.lo++
		if st.lo == 0 {
			st.hi++
			if st.hi == 0 {
				// The 80 random bits overflowed within one millisecond:
				// move to the next one to stay increasing.
				ms++
			}
		}
	} else {
		r := g.streamLocked("ulid:" + ns)
		st.hi = uint16(r.Uint64())
		st.lo = r.Uint64()
	}
	st.ms, st.issued = ms, true
	hi, lo := ms<<16|uint64(st.hi), st.lo
	g.mu.Unlock()

	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var s [26]byte
	// 128 bits as 26 five-bit digits, least significant last.
	for i := 25; i >= 0; i-- {
		s[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(s[:])
}

func putUint64(b []byte, v uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// mix64 is the SplitMix64 finalizer: a bijection on uint64 that scatters
// nearby inputs across the whole range.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
