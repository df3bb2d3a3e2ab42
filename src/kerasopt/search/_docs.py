"""The documentation of OptunaSearchCV's parameters and fitted attributes."""

PARAMETERS = """\
    estimator : estimator
        A kerasopt estimator, a Pipeline ending in one, or any scikit-learn
        estimator (then ``param_distributions`` is required).
    param_distributions : dict, SearchSpace, callable or None, default=None
        * ``None``: :func:`default_search_space` (kerasopt estimators only),
          with the estimator's ``epochs`` as upper bound of ``epochs``;
        * a dict of ``optuna.distributions`` (or :class:`LayerSizes` /
          :class:`Fixed`) keyed by parameter name;
        * the parsed content of a space file (a dict of dicts, see
          :func:`load_search_space`);
        * a callable ``space(trial) -> dict`` for conditional spaces.

        For a Pipeline, names may be written as in GridSearchCV
        (``"kerasclassifier__learning_rate"``) or without the final step's
        prefix (``"learning_rate"``); names whose first segment is not a step
        name go to the final step.
    n_trials : int or None, default=10
        Number of finished trials (complete or pruned) the study should hold:
        **in total, not in addition**. Resuming a study that already holds 6
        such trials with ``n_trials=10`` runs 4 more; running the same code
        again after it finished runs none. Failed trials do not count: one run
        starts at most the missing number of trials, and the next run on the
        same storage and ``study_name`` replaces the ones that failed. ``None``
        runs until ``timeout`` (or Ctrl-C).
    timeout : float or None, default=None
        Stop starting new trials after this many seconds.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn: ``None`` is 5-fold, stratified for classifiers.
    scoring : str, callable or None, default=None
        One scikit-learn scorer (greater is better); ``None`` uses the
        estimator's ``score``. A name is tried on a dummy model of the target
        before the first trial, so one that cannot score it (``"f1"`` on
        labels 'N'/'Y', ``"f1"`` on three classes, ``"accuracy"`` on a
        continuous target) is an error that says what to pass instead, such
        as ``make_scorer(f1_score, pos_label="Y")`` or ``"f1_macro"``.
        ``"roc_auc"`` on more than two classes means one-vs-rest
        (``"roc_auc_ovr"``).
    refit : bool, default=True
        Refit the best parameters on all the data as ``best_estimator_``
        (needed for ``predict`` and friends).
    error_score : "raise" or float, default=np.nan
        A trial whose fit or scoring raises, or whose training loss becomes
        NaN/inf: ``np.nan`` marks the trial FAILED (the reason is in its
        ``fail_reason`` user attribute) and the study goes on; a number is
        used as that fold's score, with a ``FitFailedWarning``; ``"raise"``
        re-raises the error.
    sampler : {"tpe", "random", "cmaes", "qmc"} or optuna sampler, default="tpe"
        Named samplers are seeded from ``random_state``.
    pruner : {"median", "hyperband", "successive_halving", "none"} or optuna \
pruner, default="median"
        Keras trials report ``-val_loss`` after every epoch of their first CV
        fold (step = epoch; later folds only watch for NaN). A pruned trial
        stops training at the end of that epoch and is recorded as PRUNED,
        without a value (Optuna would copy its last reported one, and
        ``-val_loss`` is not a score).
        When a pruner is active and a Keras estimator has no validation split
        (``validation_fraction`` 0/None without early stopping), 20% of each
        training fold is held out for it. Other estimators are pruned with
        ``enable_pruning``.
    storage : str, path-like, optuna storage or None, default=None
        Where the study lives (see :func:`resolve_storage`): ``None`` keeps it
        in memory, ``"sqlite:///studies.db"``, ``"postgresql://..."``, a
        ``.db`` or ``.log`` (journal) path or a storage object.
    study_name : str or None, default=None
        With a persistent ``storage``, the same name continues the same study
        (see ``n_trials``). ``None`` creates a new study each time.
    n_jobs : int or None, default=1
        Number of processes running trials (TensorFlow does not scale with
        threads); ``-1`` uses all cores. With ``n_jobs > 1`` and no
        ``storage``, the processes share a journal file in a temporary folder,
        removed afterwards (``study_`` is then an in-memory copy); an
        in-memory storage object cannot be shared. Workers are started with
        ``spawn`` and import the main module: in a script, call ``fit`` under
        ``if __name__ == "__main__":``, and define callable spaces and model
        builders at module level so that they can be pickled.
    random_state : int, RandomState or None, default=None
        Seeds the sampler and, when the final estimator has a ``random_state``
        left to None, gives each trial a ``random_state`` derived from it and
        the trial number (kept in the trial's ``random_state`` user attribute
        and reused by the refit, but not part of ``best_params_``). With
        ``n_jobs=1``, two searches then run the same trials and find the same
        best parameters.
    callbacks : list of callable or None, default=None
        Optuna study callbacks ``callback(study, frozen_trial)``, called after
        each trial (in the worker processes when ``n_jobs > 1``).
    study : optuna.Study or None, default=None
        An existing study to add the trials to; its storage, name, sampler
        and pruner are used (``storage`` and ``study_name`` must then be
        None). It must maximize, as scikit-learn scores are maximized.
    catch : exception type or tuple of them, default=()
        Exceptions that fail a trial (its ``fail_reason`` user attribute
        says why) instead of stopping the search, as in ``study.optimize``.
    return_train_score : bool, default=False
        Also score each fold's training rows (``split<k>_train_score``,
        ``mean_train_score`` and ``std_train_score`` in ``cv_results_``).
    verbose : int, default=0
        ``0``: quiet (warnings only); ``1``: a progress bar with the best
        score so far, the trials done and the time left (``n_jobs=1``);
        ``2``: also Optuna's log line per trial.
    subsample : float or int, default=1.0
        Trials use a random subset of the rows (``sample_indices_``): a share
        (float in (0, 1]) or a number of rows (int). The refit uses all rows.
    enable_pruning : bool, default=False
        Train estimators that have ``partial_fit`` (``SGDClassifier``,
        ``MLPClassifier``, ...) one call at a time for up to ``max_iter``
        steps, report the mean CV score after each step and let ``pruner``
        stop unpromising trials. (Keras estimators are pruned per epoch
        whenever ``pruner`` is not ``"none"``.)
    max_iter : int, default=1000
        Number of ``partial_fit`` steps of a trial with ``enable_pruning``.
    ensemble_size : int, default=1
        With ``k > 1``, after the study a greedy ensemble selection (Caruana
        et al. 2004, with replacement, 25 rounds) over the completed trials'
        out-of-fold predictions (probabilities for classifiers) chooses up to
        ``k`` trials and their weights; ``best_estimator_`` is then their
        weighted soft-voting ensemble (``VotingClassifier`` /
        ``VotingRegressor``), each member refit on all the data. Each trial
        keeps its out-of-fold predictions in a temporary folder (float32,
        ``n_samples x n_classes`` per trial; removed after ``fit``), and the
        selection loads those of the best ``max(20, 4 k)`` trials only: its
        memory is ``max(20, 4 k) x n_samples x n_classes x 4`` bytes. Needs a
        ``scoring`` that sklearn can apply to averaged predictions (a name or
        ``make_scorer``). ``1`` keeps the single best trial.
    ensemble_dir : str or path-like, default=None
        With ``ensemble_size > 1``: a folder to keep the trials' out-of-fold
        predictions in (``trial_<number>.npy``), created if needed and left
        in place, so that a resumed study (``storage=`` / ``study=``) chooses
        its ensemble among the earlier runs' trials too; with a process
        backend the workers must reach it. Files whose row count differs
        from this ``fit``'s data are ignored. Use one folder per study.
        ``None``: a temporary folder, removed after ``fit``.
"""

ATTRIBUTES = """\
    best_params_ : dict
        Parameters of the best trial, as passed to ``set_params``.
    best_score_ : float
        Its mean cross-validated score.
    best_estimator_ : estimator
        Refitted on all the data (only with ``refit=True``).
    best_trial_ : optuna.trial.FrozenTrial
        The best trial.
    best_index_ : int
        Index of the best trial in ``cv_results_`` (scikit-learn's meaning;
        optuna-integration gives the trial number, ``best_trial_.number``).
    study_ : optuna.study.Study
        The study, including trials of earlier runs when resumed.
    cv_results_ : dict of numpy arrays
        One entry per finished trial (COMPLETE, PRUNED or FAIL), in
        scikit-learn's format (``params``, ``param_<name>``,
        ``split<k>_test_score``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score``, ``mean_fit_time``, ...), plus ``trial_number``
        and ``state``. Pruned and failed trials have NaN scores.
    n_trials_ : int
        Number of finished trials in the study.
    trials_ : list of optuna.trial.FrozenTrial
        All trials of the study.
    user_attrs_ : dict
        The study's user attributes (see :meth:`set_user_attr`).
    sample_indices_ : ndarray of int
        Rows of ``X`` the trials used (see ``subsample``).
    n_splits_ : int
        Number of CV folds.
    n_iter_ : int
        Steps the best trial reported to the pruner (``partial_fit`` steps,
        or epochs of a Keras estimator's first fold), at least 1.
    refit_time_ : float
        Seconds spent refitting the best estimator.
    scorer_ : callable
        The scorer.
    interrupted_ : bool
        Whether Ctrl-C stopped the search. Completed trials are kept and
        ``best_*`` come from them.
    ensemble_weights_ : dict
        With ``ensemble_size > 1``: trial number -> weight of each member
        (summing to 1), best first.
    ensemble_score_ : float
        With ``ensemble_size > 1``: the ensemble's score on the out-of-fold
        predictions it was selected on (optimistic, as ``best_score_`` is).
"""
