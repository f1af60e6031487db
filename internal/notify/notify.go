// Package notify renders e-mail and SMS messages from templates (Russian and
// English) into outbox rows; internal/outbox writes them, with their
// delivery jobs, in the caller's transaction, so a message exists if and
// only if the change that caused it was committed.
package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Channels a message can go through.
const (
	Email = "email"
	SMS   = "sms"
)

// Message is one message to render and enqueue.
type Message struct {
	Channel  string // Email or SMS
	To       string // an e-mail address or an E.164 phone
	Template string // a file name under templates/ without locale and extension, e.g. "welcome"
	Locale   string // "ru" or "en"; falls back to "ru"
	Data     map[string]any
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// Templates holds the parsed message templates. Each file
// templates/<name>.<locale>.tmpl defines the blocks "subject", "text" and,
// for e-mail, "html" (rendered with HTML escaping).
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// LoadTemplates parses the embedded templates.
func LoadTemplates() (*Templates, error) {
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, path := range names {
		key := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".tmpl")
		src, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return nil, err
		}
		if t.text[key], err = texttemplate.New(key).Option("missingkey=error").Parse(string(src)); err != nil {
			return nil, fmt.Errorf("template %s: %w", path, err)
		}
		if t.html[key], err = htmltemplate.New(key).Option("missingkey=error").Parse(string(src)); err != nil {
			return nil, fmt.Errorf("template %s: %w", path, err)
		}
	}
	return t, nil
}

// Rendered is a message ready to send.
type Rendered struct {
	Subject, Text, HTML string
}

// Render fills the template of m in its locale (or Russian).
func (t *Templates) Render(m Message) (Rendered, error) {
	locale := m.Locale
	if locale != "en" {
		locale = "ru"
	}
	key := m.Template + "." + locale
	tt, ok := t.text[key]
	if !ok {
		return Rendered{}, fmt.Errorf("no template %q", key)
	}
	var r Rendered
	var err error
	if r.Text, err = execText(tt, "text", m.Data); err != nil {
		return Rendered{}, err
	}
	if m.Channel == Email {
		if r.Subject, err = execText(tt, "subject", m.Data); err != nil {
			return Rendered{}, err
		}
		var buf bytes.Buffer
		if h := t.html[key].Lookup("html"); h != nil {
			if err := h.Execute(&buf, m.Data); err != nil {
				return Rendered{}, fmt.Errorf("template %s html: %w", key, err)
			}
		}
		r.HTML = strings.TrimSpace(buf.String())
	}
	return r, nil
}

func execText(t *texttemplate.Template, block string, data any) (string, error) {
	b := t.Lookup(block)
	if b == nil {
		return "", fmt.Errorf("template %s has no %q block", t.Name(), block)
	}
	var buf bytes.Buffer
	if err := b.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("template %s %s: %w", t.Name(), block, err)
	}
	return strings.TrimSpace(buf.String()), nil
}

// Prepare renders m into the outbox row that carries it (outbox.Enqueue
// writes it, with its delivery job, in the caller's transaction).
func (t *Templates) Prepare(m Message) (db.EnqueueMessageParams, error) {
	if m.Channel != Email && m.Channel != SMS {
		return db.EnqueueMessageParams{}, fmt.Errorf("unknown channel %q", m.Channel)
	}
	r, err := t.Render(m)
	if err != nil {
		return db.EnqueueMessageParams{}, err
	}
	locale := m.Locale
	if locale != "en" {
		locale = "ru"
	}
	return db.EnqueueMessageParams{
		Channel: m.Channel, Recipient: m.To, Template: m.Template, Locale: locale,
		Subject: r.Subject, BodyText: r.Text, BodyHtml: r.HTML,
	}, nil
}
