package claims

import (
	"sync"

	"github.com/nrc-ufm/ufm/proofs"
)

var (
	defaultOnce sync.Once
	defaultReg  *proofs.Registry
)

// Default returns the process-wide registry: the built-in claims, then the
// contributed ones (contrib.go), plus any a program registered into it.
// The command line uses it.
func Default() *proofs.Registry {
	defaultOnce.Do(func() { defaultReg = Builtin() })
	return defaultReg
}

// Builtin returns a fresh registry holding the built-in claims, in the order
// `ufm claims` lists them, followed by the contributed ones (contrib.go).
func Builtin() *proofs.Registry {
	r := proofs.NewRegistry()
	for _, c := range builtinClaims() {
		r.MustRegister(c)
	}
	for _, c := range deepClaims() {
		r.MustRegister(c)
	}
	for _, c := range contributedClaims() {
		r.MustRegister(c)
	}
	return r
}

func builtinClaims() []proofs.Claim {
	return []proofs.Claim{
		r1Claim(), r2Claim(), r3Claim(), r4Claim(), r5Claim(), r6Claim(),
		theoremClaim(), theoremCertifiedClaim(), landscapeClaim(), nocollapseClaim(), gramFreeClaim(),
		multitaskClaim(), whiteningClaim(), fullCollapseClaim(),
	}
}
