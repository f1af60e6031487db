package notifications

import (
	"context"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// RegisterDevice binds the app's FCM token to the current session.
func (s *Handler) RegisterDevice(ctx context.Context, req api.RegisterDeviceRequestObject) (api.RegisterDeviceResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.Q.UpsertDevice(ctx, db.UpsertDeviceParams{
		UserID: p.User.ID, SessionID: p.SessionID, Token: req.Body.Token, Platform: string(req.Body.Platform),
	})
	if err != nil {
		return nil, err
	}
	return api.RegisterDevice201JSONResponse(deviceDTO(d, p)), nil
}

// ListDevices lists the caller's devices of live sessions.
func (s *Handler) ListDevices(ctx context.Context, _ api.ListDevicesRequestObject) (api.ListDevicesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.Q.ListPushTargets(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	out := api.DeviceList{Items: []api.Device{}}
	for _, d := range rows {
		out.Items = append(out.Items, deviceDTO(d, p))
	}
	return api.ListDevices200JSONResponse(out), nil
}

// DeleteDevice forgets one of the caller's devices.
func (s *Handler) DeleteDevice(ctx context.Context, req api.DeleteDeviceRequestObject) (api.DeleteDeviceResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.Q.DeleteDevice(ctx, db.DeleteDeviceParams{ID: req.DeviceID, UserID: p.User.ID})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return api.DeleteDevice404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, 404, web.CodeNotFound, "There is no such device."))}, nil
	}
	return api.DeleteDevice204Response{}, nil
}

func deviceDTO(d db.Device, p *web.Principal) api.Device {
	return api.Device{
		ID: d.ID, Platform: api.DevicePlatform(d.Platform), SessionID: d.SessionID,
		Current: d.SessionID == p.SessionID, CreatedAt: d.CreatedAt.UTC(),
	}
}
