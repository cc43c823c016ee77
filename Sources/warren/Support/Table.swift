/// A plain-text table with aligned columns: left-aligned text, right-aligned numbers.
struct Table {
    /// The column headings.
    let headers: [String]
    /// Which columns hold numbers (right-aligned).
    let numeric: Set<Int>
    private(set) var rows: [[String]] = []

    init(headers: [String], numeric: Set<Int> = []) {
        self.headers = headers
        self.numeric = numeric
    }

    /// Adds a row; missing cells are blank.
    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table's lines, columns separated by two spaces, without trailing blanks.
    func render() -> [String] {
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for row in all {
            for (column, cell) in row.prefix(headers.count).enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }
        return all.map { row in
            var cells: [String] = []
            for column in headers.indices {
                let cell = column < row.count ? row[column] : ""
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                cells.append(numeric.contains(column) ? padding + cell : cell + padding)
            }
            return String(cells.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
        }
    }
}
