package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// writeModel writes m to path through a temporary file renamed into place,
// so that a reader never sees half a model, and returns the file's size
// and hex SHA-256 (the identity of a model that has no ID of its own).
func writeModel(path string, m io.WriterTo) (size int64, sum string, err error) {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return 0, "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, "", err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing is left to remove
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return 0, "", err
	}
	if err := tmp.Close(); err != nil {
		return 0, "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, "", err
	}
	h := sha256.Sum256(buf.Bytes())
	return int64(buf.Len()), hex.EncodeToString(h[:]), nil
}

// readModelFile reads a model file and its hex SHA-256.
func readModelFile(path string) ([]byte, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	h := sha256.Sum256(data)
	return data, hex.EncodeToString(h[:]), nil
}

// The tokenizers: the ones benchmarks/eval measures with. Intents keep stop
// words (你好, 不 and how carry intent, see package intent); the knowledge
// base uses jieba's defaults. A model file records its tokenizer's identity,
// and loading it with another is refused.

func intentTokenizer() (*jieba.Tokenizer, error) {
	tok, err := jieba.New(jieba.WithStopWords(nil))
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return tok, nil
}

func kbTokenizer() (*jieba.Tokenizer, error) {
	tok, err := jieba.New()
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return tok, nil
}
