package seqrec

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// This file holds the offline evaluation protocol of sequential
// recommendation papers (SASRec and successors): leave the last target out,
// train on everything before it, rank the held-out target against sampled
// and against all negatives, ties counting against the target.

// Sequence is one user's steps, oldest first.
type Sequence struct {
	User  string
	Steps []Step
}

// Case is one evaluation case: the user's steps before their last target
// (History) and that target, asked at Time.
type Case struct {
	User    string
	History []Step
	Target  string
	Time    int64
}

// AskPrefix starts the tokens [ReadLog] gives to "ask" events; [IsAsk]
// tests for it.
const AskPrefix = "ask:"

// IsAsk reports whether token is an ask token as written by [ReadLog].
func IsAsk(token string) bool { return strings.HasPrefix(token, AskPrefix) }

// ReadLog reads a behavior log in the shared-data format, one JSON object
// per line: {"user": "...", "time": unix seconds, "type": "ask", "question":
// "..."}. Each event becomes the step with token type+":"+question (so asks
// are "ask:<question>"). Steps are grouped by user, users in order of first
// appearance, and each user's steps sorted by time (stable, so file order
// breaks ties). name labels errors, which give the line number.
func ReadLog(r io.Reader, name string) ([]Sequence, error) {
	type line struct {
		User     *string `json:"user"`
		Time     *int64  `json:"time"`
		Type     *string `json:"type"`
		Question string  `json:"question"`
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	idx := map[string]int{}
	var seqs []Sequence
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var l line
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			return nil, fmt.Errorf("seqrec: %s:%d: %w", name, n, err)
		}
		switch {
		case l.User == nil || *l.User == "":
			return nil, fmt.Errorf("seqrec: %s:%d: field user: missing", name, n)
		case l.Time == nil:
			return nil, fmt.Errorf("seqrec: %s:%d: field time: missing", name, n)
		case l.Type == nil || *l.Type == "":
			return nil, fmt.Errorf("seqrec: %s:%d: field type: missing", name, n)
		}
		i, ok := idx[*l.User]
		if !ok {
			i = len(seqs)
			idx[*l.User] = i
			seqs = append(seqs, Sequence{User: *l.User})
		}
		seqs[i].Steps = append(seqs[i].Steps, Step{Token: *l.Type + ":" + l.Question, Time: *l.Time})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("seqrec: %s: %w", name, err)
	}
	for _, s := range seqs {
		sort.SliceStable(s.Steps, func(a, b int) bool { return s.Steps[a].Time < s.Steps[b].Time })
	}
	return seqs, nil
}

// LeaveLastOut splits sequences for evaluation. Every user's steps before
// their last target (isTarget; nil means every token) go into train; users
// with at least minTargets targets also give a [Case] whose history is the
// same steps and whose target is that last target. Steps after the last
// target are dropped. Users without targets are trained on whole.
func LeaveLastOut(seqs []Sequence, isTarget func(string) bool, minTargets int) (train [][]Step, cases []Case) {
	if isTarget == nil {
		isTarget = func(string) bool { return true }
	}
	for _, s := range seqs {
		last, n := -1, 0
		for i, st := range s.Steps {
			if isTarget(st.Token) {
				last = i
				n++
			}
		}
		if last < 0 {
			if len(s.Steps) > 0 {
				train = append(train, s.Steps)
			}
			continue
		}
		hist := s.Steps[:last:last]
		if len(hist) > 0 {
			train = append(train, hist)
		}
		if n >= minTargets {
			cases = append(cases, Case{User: s.User, History: hist, Target: s.Steps[last].Token, Time: s.Steps[last].Time})
		}
	}
	return train, cases
}

// Universe returns the distinct target tokens of seqs, sorted: the item set
// negatives are drawn from.
func Universe(seqs []Sequence, isTarget func(string) bool) []string {
	set := map[string]bool{}
	for _, s := range seqs {
		for _, st := range s.Steps {
			if isTarget == nil || isTarget(st.Token) {
				set[st.Token] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// userHash is FNV-1a 64 of a user id.
func userHash(user string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(user))
	return h.Sum64()
}

// Holdout reports whether user belongs to the holdout half of a
// tune/holdout split (by the low bit of a hash of the id), so tuning on the
// other half never sees a holdout user's target.
func Holdout(user string) bool { return userHash(user)&1 == 1 }

// SplitCases splits cases into the tune and holdout halves ([Holdout]).
func SplitCases(cases []Case) (tune, holdout []Case) {
	for _, c := range cases {
		if Holdout(c.User) {
			holdout = append(holdout, c)
		} else {
			tune = append(tune, c)
		}
	}
	return tune, holdout
}

// SampleNegatives draws n distinct items of universe not in exclude,
// uniformly, from a generator seeded by seed and the user id, so a user's
// negatives do not depend on which other users are evaluated. If fewer than
// n items are eligible it returns all of them. Output is in draw order.
func SampleNegatives(user string, seed uint64, universe []string, exclude map[string]bool, n int) []string {
	eligible := len(universe) - len(exclude) // a lower bound
	if eligible <= n {
		eligible = 0
		for _, it := range universe {
			if !exclude[it] {
				eligible++
			}
		}
	}
	if eligible <= n {
		out := make([]string, 0, eligible)
		for _, it := range universe {
			if !exclude[it] {
				out = append(out, it)
			}
		}
		return out
	}
	rng := rand.New(rand.NewPCG(seed, userHash(user)))
	picked := make(map[int]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		i := rng.IntN(len(universe))
		if picked[i] || exclude[universe[i]] {
			continue
		}
		picked[i] = true
		out = append(out, universe[i])
	}
	return out
}

// Rank is the 1-based rank of a target scoring target among negatives:
// 1 + the number of negatives scoring at least as much (ties count against
// the target). A NaN target ranks last.
func Rank(target float64, negatives []float64) int {
	r := 1
	for _, s := range negatives {
		if s >= target || math.IsNaN(target) {
			r++
		}
	}
	return r
}

// NDCG is the normalized discounted cumulative gain of a single relevant
// item at rank: 1/log2(rank+1) if rank ≤ k, else 0.
func NDCG(rank, k int) float64 {
	if rank > k {
		return 0
	}
	return 1 / math.Log2(float64(rank)+1)
}

// Scorer is what [Evaluate] ranks with: dense scores over the scorer's own
// item ids. [*Model], [*Popularity] and [*Transition] implement it.
type Scorer interface {
	// Scores returns a score per item id for history at time now,
	// reusing dst when it can.
	Scores(history []Step, now int64, dst []float64) []float64
	// ItemIndex maps an item token to its id.
	ItemIndex(token string) (int, bool)
}

// EvalOptions configure [Evaluate]. Zero fields take the defaults.
type EvalOptions struct {
	Negatives int    // sampled negatives per case; default 100
	Seed      uint64 // negative sampling seed; default 1
	K         int    // cut-off of HR@K, NDCG@K and MRR@K; default 10
	SkipFull  bool   // skip ranking against all items (faster)
}

// Result holds the metrics of [Evaluate], averaged over cases.
type Result struct {
	Cases   int
	HR      float64 // HR@K against the sampled negatives
	NDCG    float64 // NDCG@K against the sampled negatives
	FullHR  float64 // HR@K against every universe item the user never asked
	FullMRR float64 // MRR@K (reciprocal rank, 0 past K) against the same
}

// String formats r on one line.
func (r Result) String() string {
	return fmt.Sprintf("cases=%d hr@10=%.4f ndcg@10=%.4f full_hr@10=%.4f full_mrr@10=%.4f",
		r.Cases, r.HR, r.NDCG, r.FullHR, r.FullMRR)
}

// Evaluate ranks every case's target with s. Negatives are items of
// universe the user never had in history (nor the target): sampled per
// [SampleNegatives], and, unless SkipFull, all of them. An item the scorer
// does not know scores -Inf. It checks ctx between cases.
func Evaluate(ctx context.Context, s Scorer, cases []Case, universe []string, opts EvalOptions) (Result, error) {
	if opts.Negatives == 0 {
		opts.Negatives = 100
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.K == 0 {
		opts.K = 10
	}
	if opts.Negatives < 0 || opts.K < 0 {
		return Result{}, errors.New("seqrec: evaluate: negative Negatives or K")
	}
	ids := make([]int, len(universe)) // universe index → scorer id or -1
	uidx := make(map[string]int, len(universe))
	for i, it := range universe {
		uidx[it] = i
		ids[i] = -1
		if j, ok := s.ItemIndex(it); ok {
			ids[i] = j
		}
	}
	scoreOf := func(scores []float64, item string) float64 {
		if i, ok := uidx[item]; ok && ids[i] >= 0 && ids[i] < len(scores) {
			return scores[ids[i]]
		}
		if j, ok := s.ItemIndex(item); ok && j < len(scores) {
			return scores[j]
		}
		return math.Inf(-1)
	}
	var res Result
	var scores, negs []float64
	exclude := map[string]bool{}
	excluded := make([]bool, len(universe)) // exclude, by universe index
	for n, c := range cases {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return Result{}, fmt.Errorf("seqrec: evaluate: %w", err)
			}
		}
		clear(exclude)
		for _, st := range c.History {
			exclude[st.Token] = true
		}
		exclude[c.Target] = true
		scores = s.Scores(c.History, c.Time, scores)
		target := scoreOf(scores, c.Target)

		negs = negs[:0]
		for _, it := range SampleNegatives(c.User, opts.Seed, universe, exclude, opts.Negatives) {
			negs = append(negs, scoreOf(scores, it))
		}
		r := Rank(target, negs)
		if r <= opts.K {
			res.HR++
			res.NDCG += NDCG(r, opts.K)
		}
		if !opts.SkipFull {
			for it := range exclude {
				if i, ok := uidx[it]; ok {
					excluded[i] = true
				}
			}
			r := 1
			for i := range universe {
				if excluded[i] {
					continue
				}
				v := math.Inf(-1)
				if ids[i] >= 0 && ids[i] < len(scores) {
					v = scores[ids[i]]
				}
				if v >= target || math.IsNaN(target) {
					r++
				}
			}
			for it := range exclude {
				if i, ok := uidx[it]; ok {
					excluded[i] = false
				}
			}
			if r <= opts.K {
				res.FullHR++
				res.FullMRR += 1 / float64(r)
			}
		}
		res.Cases++
	}
	if res.Cases > 0 {
		n := float64(res.Cases)
		res.HR /= n
		res.NDCG /= n
		res.FullHR /= n
		res.FullMRR /= n
	}
	return res, nil
}
