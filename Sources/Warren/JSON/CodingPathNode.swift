/// A coding path as a linked list, so nesting one level costs one small allocation and the array
/// `codingPath` asks for is built only when somebody reads it.
enum CodingPathNode {
    case root
    indirect case key(any CodingKey, CodingPathNode)
    indirect case index(Int, CodingPathNode)

    var path: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node = self
        while true {
            switch node {
            case .root:
                return keys.reversed()
            case .key(let key, let parent):
                keys.append(key)
                node = parent
            case .index(let index, let parent):
                keys.append(IndexKey(index))
                node = parent
            }
        }
    }
}

/// The key of an array element in a coding path ("Index 3", as Foundation names it).
struct IndexKey: CodingKey {
    var stringValue: String { "Index \(intValue ?? 0)" }
    var intValue: Int?

    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// Thrown inside the fast JSON coders when a value leaves their fast path; the caller then runs
/// Foundation's coder on the same input, whose result and errors are the ones that count.
struct FastPathAbandoned: Error {}
