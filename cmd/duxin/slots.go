package main

import (
	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/intent/slots"
)

// newSlotExtractor is the command's only use of slot extraction: the
// extractor classify uses to fill a route's slots.
func newSlotExtractor() (httpapi.SlotExtractor, error) {
	return slots.New()
}
