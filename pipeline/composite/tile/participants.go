package tile

// indexByID returns the index of the participant with the given id, or
// -1 when there is none (or id is "").
func indexByID(ps []Participant, id string) int {
	if id == "" {
		return -1
	}
	for i, p := range ps {
		if p.ID == id {
			return i
		}
	}
	return -1
}

// indexByNameOrID returns the index of the participant whose ID is key,
// else of the first one in join order whose Name is key, else -1.
func indexByNameOrID(ps []Participant, key string) int {
	if i := indexByID(ps, key); i >= 0 {
		return i
	}
	for i, p := range ps {
		if key != "" && p.Name == key {
			return i
		}
	}
	return -1
}

// stageIndex returns who takes the stage: the active speaker when it is
// in the room, else the first participant in join order with a camera,
// else the first one; -1 in an empty room.
func stageIndex(s Scene) int {
	if i := indexByID(s.Participants, s.Speaker); i >= 0 {
		return i
	}
	for i, p := range s.Participants {
		if p.Camera {
			return i
		}
	}
	if len(s.Participants) > 0 {
		return 0
	}
	return -1
}

// screenIndex returns the participant whose screen the scene shows, or
// -1 when Scene.Screen names nobody in the room or one not sharing.
func screenIndex(s Scene) int {
	i := indexByID(s.Participants, s.Screen)
	if i < 0 || !s.Participants[i].Screen {
		return -1
	}
	return i
}
