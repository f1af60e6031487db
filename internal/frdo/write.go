package frdo

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Sheet is the worksheet's name.
const Sheet = "ДПО"

// Write validates every row and, when all are valid, writes the workbook
// to w: a bold, frozen header and one line per document. Invalid rows are
// reported together as RowErrors and nothing is written.
func Write(w io.Writer, rows []Row) error {
	var errs RowErrors
	for i := range rows {
		errs = append(errs, rows[i].validate(i+1)...)
	}
	if len(errs) > 0 {
		return errs
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", Sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(Sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
	})
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(Columns), 22); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(Columns))
	for i, c := range Columns {
		header[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, rows[i].values()); err != nil {
			return fmt.Errorf("frdo: row %d: %w", i+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
