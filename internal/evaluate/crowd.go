package evaluate

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/duxin-ai/duxin/recommend"
)

// logStore is the evaluations' event store: a MemoryStore holding the
// users' histories, whose crowd ([recommend.CrowdReader]) is the log's asks
// before the moment a request is for — what a live store would have
// counted then. (A MemoryStore counts against its own clock, the wall
// clock; the log's moments are long past.)
type logStore struct {
	*recommend.MemoryStore
	at []int64 // the log's asks, Unix seconds ascending
	q  []string
}

func newLogStore(store *recommend.MemoryStore, events []recommend.Event) *logStore {
	s := &logStore{MemoryStore: store}
	idx := make([]int, 0, len(events))
	for i := range events {
		if events[i].Type == recommend.TypeAsk {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return events[idx[a]].Time.Before(events[idx[b]].Time) })
	for _, i := range idx {
		s.at = append(s.at, events[i].Time.Unix())
		s.q = append(s.q, events[i].Question)
	}
	return s
}

// crowdSpan is how far before a request's moment the engine asks for the
// crowd (the whole window a store keeps): the moment is since + crowdSpan.
const crowdSpan = recommend.CrowdBuckets * recommend.CrowdBucketWidth

// Crowd implements recommend.CrowdReader: the buckets from the one holding
// since to the one holding the request's moment, of the asks before it.
func (s *logStore) Crowd(ctx context.Context, since time.Time) ([]recommend.CrowdBucket, error) {
	now := since.Add(crowdSpan).Unix()
	width := int64(recommend.CrowdBucketWidth / time.Second)
	first := since.Unix() / width * width
	lo, _ := slices.BinarySearch(s.at, first)
	hi, _ := slices.BinarySearch(s.at, now)
	var out []recommend.CrowdBucket
	for i := lo; i < hi; i++ {
		start := s.at[i] / width * width
		if len(out) == 0 || out[len(out)-1].Start.Unix() != start {
			out = append(out, recommend.CrowdBucket{Start: time.Unix(start, 0).UTC(), Asks: map[string]int64{}})
		}
		out[len(out)-1].Asks[s.q[i]]++
	}
	return out, ctx.Err()
}
