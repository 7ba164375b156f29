// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token that, once armed, calls back into `target` when `target` sends tokens, and
/// records how that re-entrant call ended. Used to show the escrows refuse re-entry.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;
    bool public reentrySucceeded;
    bytes public reentryRevertData;
    bool private _armed;

    constructor() ERC20("Reentrant Token", "REENTER") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        _armed = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (_armed && from == target) {
            _armed = false;
            (reentrySucceeded, reentryRevertData) = target.call(payload);
        }
    }
}
