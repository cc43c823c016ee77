@testable import Warren
import Testing

// The differential checks more than one Task JSON suite uses; a check only one suite uses lives in its file.

/// A value that must stay on the fast path: (a) Foundation decodes FastJSONEncoder's output to an equal value,
/// and it means the same JSON as Foundation's; (b) FastJSONDecoder decodes Foundation's output to an equal value;
/// (c) neither gives up. Also the facade round-trips it.
@discardableResult
func expectFastPath<T: Codable & Equatable>(
    _ value: T, sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    var ok = true
    let reference: [UInt8]
    do {
        reference = try foundationEncode(value)
    } catch {
        Issue.record("Foundation cannot encode \(value): \(describe(error))", sourceLocation: sourceLocation)
        return false
    }

    if let fast = FastJSONEncoder.encode(value) {
        do {
            let back = try foundationDecode(T.self, from: fast)
            if back != value {
                ok = false
                Issue.record("Foundation decodes FastJSONEncoder's \(show(fast)) to \(back), not \(value)", sourceLocation: sourceLocation)
            }
        } catch {
            ok = false
            Issue.record("Foundation cannot decode FastJSONEncoder's \(show(fast)) as \(T.self): \(describe(error)); Foundation wrote \(show(reference))", sourceLocation: sourceLocation)
        }
        if !expectSameJSON(fast, reference, "FastJSONEncoder", sourceLocation: sourceLocation) { ok = false }
        if let again = FastJSONDecoder.decode(T.self, from: fast) {
            if again != value {
                ok = false
                Issue.record("FastJSONDecoder decodes FastJSONEncoder's \(show(fast)) to \(again), not \(value)", sourceLocation: sourceLocation)
            }
        } else {
            ok = false
            Issue.record("FastJSONDecoder gave up on FastJSONEncoder's \(show(fast)) for \(T.self)", sourceLocation: sourceLocation)
        }
    } else {
        ok = false
        Issue.record("FastJSONEncoder gave up on \(value) (Foundation writes \(show(reference)))", sourceLocation: sourceLocation)
    }

    if let decoded = FastJSONDecoder.decode(T.self, from: reference) {
        if decoded != value {
            ok = false
            Issue.record("FastJSONDecoder decodes Foundation's \(show(reference)) to \(decoded), not \(value)", sourceLocation: sourceLocation)
        }
    } else {
        ok = false
        Issue.record("FastJSONDecoder gave up on Foundation's \(show(reference)) for \(T.self)", sourceLocation: sourceLocation)
    }

    do {
        let bytes = try TaskJSON.encode(value)
        let back = try TaskJSON.decode(T.self, from: bytes)
        if back != value {
            ok = false
            Issue.record("TaskJSON round-trips \(value) through \(show(bytes)) to \(back)", sourceLocation: sourceLocation)
        }
    } catch {
        ok = false
        Issue.record("TaskJSON cannot round-trip \(value): \(describe(error))", sourceLocation: sourceLocation)
    }
    return ok
}

/// Whatever Foundation's `JSONDecoder` does with `bytes` (a value or an error), TaskJSON does the same; the
/// fast decoder either gives up or gives the same value, and gives up when Foundation throws.
/// Returns Foundation's result, for pinning it.
@discardableResult
func expectDecodesLikeFoundation<T: Decodable>(
    _ type: T.Type, from bytes: [UInt8], same: (T, T) -> Bool, exactErrors: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Result<T, any Error> {
    let reference = Result { try foundationDecode(T.self, from: bytes) }
    let facade = Result { try TaskJSON.decode(T.self, from: bytes) }
    let fast = FastJSONDecoder.decode(T.self, from: bytes)
    switch reference {
    case .success(let expected):
        switch facade {
        case .success(let actual):
            #expect(same(actual, expected), "TaskJSON decodes \(show(bytes)) to \(actual); Foundation to \(expected)", sourceLocation: sourceLocation)
        case .failure(let error):
            Issue.record("TaskJSON throws \(describe(error)) for \(show(bytes)); Foundation decodes \(expected)", sourceLocation: sourceLocation)
        }
        if let fast {
            #expect(same(fast, expected), "FastJSONDecoder decodes \(show(bytes)) to \(fast); Foundation to \(expected)", sourceLocation: sourceLocation)
        }
    case .failure(let expected):
        switch facade {
        case .success(let actual):
            Issue.record("TaskJSON decodes \(show(bytes)) to \(actual); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
        case .failure(let error):
            // Where Foundation reports an error depends on the order it visits an object's keys, which
            // changes from one decode to the next when several keys fail: then only the kind is compared.
            #expect(exactErrors ? describe(error) == describe(expected) : kind(error) == kind(expected),
                    "TaskJSON throws \(describe(error)) for \(show(bytes)); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
        }
        #expect(fast == nil, "FastJSONDecoder decodes \(show(bytes)) to \(fast.map { "\($0)" } ?? ""); Foundation throws \(describe(expected))", sourceLocation: sourceLocation)
    }
    return reference
}

@discardableResult
func expectDecodesLikeFoundation<T: Decodable & Equatable>(
    _ type: T.Type, from bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) -> Result<T, any Error> {
    expectDecodesLikeFoundation(type, from: bytes, same: ==, sourceLocation: sourceLocation)
}

@discardableResult
func expectDecodesLikeFoundation<T: Decodable & Equatable>(
    _ type: T.Type, from text: String, sourceLocation: SourceLocation = #_sourceLocation
) -> Result<T, any Error> {
    expectDecodesLikeFoundation(type, from: Array(text.utf8), same: ==, sourceLocation: sourceLocation)
}
