import Foundation
typealias NSNullType = NSNull

