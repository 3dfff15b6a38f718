// Package seqrec is the learned sequence model behind recommend: it ranks
// the target items (asked questions) a user is likely to turn to next from
// the tokens of their recent history.
package seqrec
