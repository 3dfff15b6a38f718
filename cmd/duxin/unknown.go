package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

// What the commands count in their input that the knowledge base or the
// model cannot use: asks for questions the knowledge base lacks (train
// recommend, test recommend), test labels the model never saw (test
// intent). They are reported in the JSON and on standard error, and with
// -strict they are an error naming the file, line and field.

// shownUnknown is how many unknown ids or labels the JSON lists.
const shownUnknown = 5

// unknownAsks counts the asks of a log for questions the knowledge base
// lacks.
type unknownAsks struct {
	known map[string]bool // the knowledge base's ids
	asks  int             // asks for a question not in known
	ids   map[string]bool // those questions
}

func newUnknownAsks(faqs []kb.FAQ) *unknownAsks {
	u := &unknownAsks{known: make(map[string]bool, len(faqs)), ids: map[string]bool{}}
	for _, f := range faqs {
		u.known[f.ID] = true
	}
	return u
}

// note counts e if it asks for a question the knowledge base lacks, and
// reports whether it does.
func (u *unknownAsks) note(e recommend.Event) bool {
	if e.Type != recommend.TypeAsk || u.known[e.Question] {
		return false
	}
	u.asks++
	if !u.ids[e.Question] {
		// One string per question, as training's own tally keeps, and
		// not a part of a longer one.
		u.ids[strings.Clone(e.Question)] = true
	}
	return true
}

// unknownQuestions is what train recommend and test recommend report of
// the asks for questions the knowledge base lacks (all absent when there
// are none).
type unknownQuestions struct {
	// UnknownQuestions counts the questions asked that the knowledge base
	// lacks; UnknownQuestionAsks the asks for them; UnknownQuestionIDs
	// lists the first few of them, sorted.
	UnknownQuestions    int      `json:"unknown_questions,omitempty"`
	UnknownQuestionAsks int      `json:"unknown_question_asks,omitempty"`
	UnknownQuestionIDs  []string `json:"unknown_question_ids,omitempty"`
}

// report returns what u counted and a warning, "" when it counted none.
func (u *unknownAsks) report(kbPath string) (unknownQuestions, string) {
	if u == nil || u.asks == 0 {
		return unknownQuestions{}, ""
	}
	ids := slices.Sorted(maps.Keys(u.ids))
	r := unknownQuestions{UnknownQuestions: len(ids), UnknownQuestionAsks: u.asks, UnknownQuestionIDs: ids[:min(len(ids), shownUnknown)]}
	return r, fmt.Sprintf("%d asks name %d questions that %s lacks, such as %s; -strict refuses them",
		r.UnknownQuestionAsks, r.UnknownQuestions, kbPath, quoteAll(r.UnknownQuestionIDs))
}

// tap returns events, counting the asks for questions the knowledge base
// lacks; with strict, the first of them ends the sequence with its
// unknownQuestionError.
func (u *unknownAsks) tap(events iter.Seq2[recommend.Event, error], path, kbPath string, strict bool) iter.Seq2[recommend.Event, error] {
	return func(yield func(recommend.Event, error) bool) {
		n := 0
		for e, err := range events {
			if err == nil && u.note(e) && strict {
				yield(recommend.Event{}, unknownQuestionError(path, n, e.Question, kbPath))
				return
			}
			n++
			if !yield(e, err) {
				return
			}
		}
	}
}

// locatedError is an error in an input file that names the file, line
// and field already.
type locatedError struct{ msg string }

func (e *locatedError) Error() string { return e.msg }

// unknownQuestionError is the -strict error for the nth event of the log
// at path (0-based), an ask for question, which the knowledge base at
// kbPath lacks.
func unknownQuestionError(path string, n int, question, kbPath string) error {
	where := fmt.Sprintf("%s: event %d", eventsName(path), n+1)
	if line := eventLine(path, n); line > 0 {
		where = fmt.Sprintf("%s:%d", path, line)
	}
	return &locatedError{fmt.Sprintf("%s: field \"question\": no entry %q in %s (-strict)", where, question, kbPath)}
}

// eventLine returns the line of the log at path that holds its nth event
// (0-based): its nth line that is not blank, as recommend.DecodeEvents
// reads them. It returns 0 when the log cannot be read again (standard
// input) or has no such line.
func eventLine(path string, n int) int {
	if path == "-" {
		return 0
	}
	f, err := openEvents(path, nil)
	if err != nil {
		return 0
	}
	defer f.Close()
	br := bufio.NewReader(f)
	line, event := 0, -1
	blank, pending := true, false // of the line read so far
	for {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 {
			pending = true
			blank = blank && len(bytes.TrimSpace(b)) == 0
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // the same line goes on
		}
		if pending {
			line++
			if !blank {
				if event++; event == n {
					return line
				}
			}
			blank, pending = true, false
		}
		if err != nil {
			return 0
		}
	}
}

// unseenLabels is what test intent reports of the test labels the model
// never saw (all absent when there are none).
type unseenLabels struct {
	// UnseenLabels counts the test labels the model never saw;
	// UnseenLabelUtterances the test utterances that carry them;
	// UnseenLabelNames lists the first few, sorted.
	UnseenLabels          int      `json:"unseen_labels,omitempty"`
	UnseenLabelUtterances int      `json:"unseen_label_utterances,omitempty"`
	UnseenLabelNames      []string `json:"unseen_label_names,omitempty"`
}

// findUnseenLabels returns what test holds of labels that are not among
// known (sorted), a warning ("" when none) and, when strict, an error naming the
// first such example's file, line and field.
func findUnseenLabels(test []intent.Example, known []string, strict bool) (unseenLabels, string, error) {
	set := map[string]bool{}
	n := 0
	for _, ex := range test {
		if _, ok := slices.BinarySearch(known, ex.Intent); ok {
			continue
		}
		if strict {
			return unseenLabels{}, "", fmt.Errorf("%s: field \"intent\": %q is a label the model never saw (-strict)", ex.Source, ex.Intent)
		}
		set[ex.Intent] = true
		n++
	}
	if n == 0 {
		return unseenLabels{}, "", nil
	}
	names := slices.Sorted(maps.Keys(set))
	r := unseenLabels{UnseenLabels: len(names), UnseenLabelUtterances: n, UnseenLabelNames: names[:min(len(names), shownUnknown)]}
	return r, fmt.Sprintf("%d test utterances carry %d labels the model never saw, such as %s: they count as misclassified; -strict refuses them",
		n, len(names), quoteAll(r.UnseenLabelNames)), nil
}

// quoteAll writes ss quoted, separated by commas.
func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
