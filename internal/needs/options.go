package needs

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrOptions wraps every invalid [Options] field.
var ErrOptions = errors.New("needs: invalid options")

// Objective is what the fit maximises.
type Objective int

const (
	// AtAsks is the likelihood of each case's target among all targets at
	// the moment of the case: it learns only from the moments asks
	// happen.
	AtAsks Objective = iota + 1
	// Process is the likelihood of the asks as a point process over the
	// time each user was observed: a cause's rate is the credit it earned
	// over its exposure — every occurrence counts, followed by an ask or
	// not ([Builder.AddOccurrence], [Builder.AddTime]).
	Process
)

// Options configure a [Builder]. Start from [DefaultOptions]: every field
// is used as it is, zero included.
type Options struct {
	// Objective is what the fit maximises.
	Objective Objective
	// Lags are the centres of the time basis, ascending, the first 0: an
	// event cause's kernel is piecewise linear in log(1 + age/LagScale)
	// between them and zero from the last on, which is thus the longest
	// an event can raise a need.
	Lags []time.Duration
	// LagScale sets where the basis turns from linear to logarithmic in
	// age.
	LagScale time.Duration
	// Iterations of the fit.
	Iterations int
	// Shrink is the pseudo-exposure, in cases, every weight but the base
	// rates is divided by: a cause active in n cases keeps about
	// n/(n+Shrink) of the rate the data alone would give it.
	Shrink float64
	// Sparsity is the credit, in cases, a cause must earn for a target over
	// its whole kernel before it counts: each iteration lowers the
	// kernel's credit by Sparsity, to zero if it had less, so that what a
	// cause and a target earn by chance together does not count.
	Sparsity float64
	// Smooth in [0, 1) is the share of each kernel weight passed on to its
	// two neighbouring lags after every iteration (EM with a smoothing
	// step, EMS), so kernels are smooth where the data is thin.
	Smooth float64
	// BasePrior is the weight of a prior on each target's base rate, as a
	// share of the cases: a Gamma prior with the target's frequency as mean,
	// so that a target whose every case an event explains keeps a base
	// rate of about BasePrior/(1+BasePrior) of its frequency for users
	// without that event.
	BasePrior float64
	// MinSupport is how many cases a cause must be active in to get any
	// weight.
	MinSupport int
	// ContextPrior is the weight, in cases, of the prior that a context
	// value says nothing about the target (see [Builder.Context]).
	ContextPrior float64
	// Workers bounds the goroutines of the fit.
	Workers int
}

// DefaultOptions returns the options the recommend package trains with,
// chosen on half of the users of the simulated help-center log (see the
// package documentation).
func DefaultOptions() Options {
	return Options{
		Objective: Process,
		Lags: []time.Duration{0, time.Minute, 5 * time.Minute, 15 * time.Minute, 45 * time.Minute,
			2 * time.Hour, 6 * time.Hour, 18 * time.Hour, 48 * time.Hour, 5 * 24 * time.Hour,
			12 * 24 * time.Hour, 30 * 24 * time.Hour, 60 * 24 * time.Hour, 90 * 24 * time.Hour},
		LagScale:     time.Minute,
		Iterations:   40,
		Shrink:       8,
		Sparsity:     0.5,
		Smooth:       0.3,
		BasePrior:    0.1,
		MinSupport:   3,
		ContextPrior: 2,
		Workers:      2,
	}
}

// maxLags bounds len(Options.Lags).
const maxLags = 64

func (o *Options) validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%w: %s = %v, want %s", ErrOptions, field, v, want))
	}
	if o.Objective != AtAsks && o.Objective != Process {
		bad("Objective", o.Objective, "AtAsks or Process")
	}
	if len(o.Lags) < 2 || len(o.Lags) > maxLags || o.Lags[0] != 0 {
		bad("Lags", o.Lags, fmt.Sprintf("2 to %d ascending centres from 0", maxLags))
	} else {
		for i := 1; i < len(o.Lags); i++ {
			if o.Lags[i] <= o.Lags[i-1] {
				bad("Lags", o.Lags, "strictly ascending")
				break
			}
		}
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if o.LagScale < time.Second {
		bad("LagScale", o.LagScale, ">= 1s")
	}
	if o.Iterations < 1 || o.Iterations > 10000 {
		bad("Iterations", o.Iterations, "in [1, 10000]")
	}
	if !(o.Shrink >= 0) || !finite(o.Shrink) {
		bad("Shrink", o.Shrink, "finite, >= 0")
	}
	if !(o.Sparsity >= 0) || !finite(o.Sparsity) {
		bad("Sparsity", o.Sparsity, "finite, >= 0")
	}
	if !(o.Smooth >= 0 && o.Smooth < 1) {
		bad("Smooth", o.Smooth, "in [0, 1)")
	}
	if !(o.BasePrior >= 0) || !finite(o.BasePrior) {
		bad("BasePrior", o.BasePrior, "finite, >= 0")
	}
	if o.MinSupport < 1 {
		bad("MinSupport", o.MinSupport, ">= 1")
	}
	if !(o.ContextPrior > 0) || !finite(o.ContextPrior) {
		bad("ContextPrior", o.ContextPrior, "finite, > 0")
	}
	if o.Workers < 1 || o.Workers > 256 {
		bad("Workers", o.Workers, "in [1, 256]")
	}
	return errors.Join(errs...)
}
