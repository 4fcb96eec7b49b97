package tidio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/deskbridge/deskbridge/internal/fielddefs"
	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// batchPath is POST /contacts/batch [AE] and PATCH /contacts/batch
// (PatchContacts).
var batchPath = rest.Segments("contacts", "batch")

// wireBatchIn is the body of POST /contacts/batch.
type wireBatchIn struct {
	Contacts []wireContactIn `json:"contacts"`
}

// wireBatchPatch is the body of PATCH /contacts/batch: each record the
// body of PATCH /contacts/{id} with the contact's id.
type wireBatchPatch struct {
	Contacts []map[string]any `json:"contacts"`
}

// CreateContacts sends one POST /contacts/batch [AE] of at most MaxBatch
// prepared inputs, and returns one Created item per input, in order.
// Tidio's batch is all-or-nothing: a batch it refuses (400, 422) is
// ErrInvalid as a whole, which the Client bisects. When the refusal is of a
// property the definitions allowed, they are read again and the batch is
// sent once more without the fields they no longer allow, each record
// warned about its own. A 404 or 405 (the endpoint is known only from a
// third-party profile) is ErrUnsupported: the Client then creates one by
// one. A failure that may have stored the batch, or a 201 without one ID
// per record, is ErrOutcomeUnknown: the Client looks the records up.
func (d *Driver) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	const op = support.OpCreateContacts
	fields := make([]map[string]string, len(in))
	for i := range in {
		fields[i] = in[i].CustomFields
	}
	var ids []string
	ws, err := fielddefs.Write(ctx, d.props, op, fields, func(keep []map[string]string) error {
		body := wireBatchIn{Contacts: make([]wireContactIn, len(in))}
		for i := range in {
			body.Contacts[i] = contactBody(in[i], keep[i])
		}
		res, err := d.send(ctx, op, http.MethodPost, batchPath, body)
		if err != nil {
			return err
		}
		var out wireBatchCreated
		err = json.Unmarshal(res.Body, &out)
		if ids = out.ids(); err != nil || len(ids) != len(in) || slices.Contains(ids, "") {
			return malformed(res.Status, "batch creation (not one contact id per record)", err, true)
		}
		fields = keep
		return nil
	})
	switch st := statusOf(err); {
	case err == nil:
	case (st == http.StatusNotFound || st == http.StatusMethodNotAllowed) && !errors.Is(err, support.ErrOutcomeUnknown):
		return nil, &support.Error{Vendor: Vendor, Kind: support.ErrUnsupported, Status: st,
			Message: "Tidio answered " + http.StatusText(st) + " to POST /contacts/batch: no batch endpoint"}
	default:
		return nil, err
	}
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	for i := range in {
		res.Items[i] = support.BatchItem{Index: i, Contact: sent(in[i], fields[i], ids[i], nil), Outcome: support.Created, Warnings: ws[i]}
	}
	return res, nil
}

// PatchContacts changes at most MaxBatchUpdate contacts in one PATCH
// /contacts/batch {contacts: [{id, ...}]}, each record as PatchContact
// sends it, all or nothing (developers.tidio.com/reference/patch_contacts-batch);
// any 2xx (Tidio documents 204, the profile 200 [AE]) means all were
// applied. A 404 for several contacts is ErrInvalid, as 400 and 422 are,
// so that the Client splits the batch. A record Tidio's rules refuse is
// ErrInvalid before any request. Custom fields that are not properties
// defined in the project are left out of their record, each with a
// warning, as PatchContact does; when Tidio refuses a property all the
// same, the definitions are read again and the batch sent once more
// without the fields they no longer allow.
func (d *Driver) PatchContacts(ctx context.Context, patches []support.ContactPatch) ([][]support.Warning, error) {
	const op = support.OpUpdateContacts
	fields := make([]map[string]*string, len(patches))
	for i, p := range patches {
		if err := checkUpdate(p.Update); err != nil {
			return nil, err
		}
		fields[i] = p.Update.CustomFields
	}
	ws, err := fielddefs.Write(ctx, d.props, op, fields, func(keep []map[string]*string) error {
		body := wireBatchPatch{Contacts: make([]map[string]any, len(patches))}
		for i, p := range patches {
			u := p.Update
			u.CustomFields = keep[i]
			body.Contacts[i] = patchBody(u)
			body.Contacts[i]["id"] = p.ID
		}
		_, err := d.send(ctx, op, http.MethodPatch, batchPath, body)
		return err
	})
	var se *support.Error
	if statusOf(err) == http.StatusNotFound && len(patches) > 1 && errors.As(err, &se) {
		return nil, &support.Error{Vendor: Vendor, Kind: support.ErrInvalid, Status: se.Status, Code: se.Code,
			Message: "a contact of the batch does not exist: " + se.Message}
	}
	return ws, err
}
